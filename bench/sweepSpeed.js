// @ts-check
// Sweep throughput: the same grid of replays run (a) as a shell-style loop of `kvsim replay`
// processes, one per run (what a user does without `kvsim sweep`), (b) `kvsim sweep --jobs 1`,
// (c) `kvsim sweep --jobs N` for N = 2 .. cores. Wall time from spawn to exit, start-up included.
// Usage: npm run build && node bench/sweepSpeed.js [requestsPerRun=500]. Results are printed, never asserted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const kvsim = join(root, 'bin', 'kvsim.js');
const count = Number(process.argv[2] ?? 500);
const policies = ['static', 'paged', 'vattention'];
const rates = [2, 4, 6, 8];
const seeds = [1, 2];
const runs = policies.length * rates.length * seeds.length;
const dir = mkdtempSync(join(tmpdir(), 'kvsim-sweep-bench-'));
const spec = join(dir, 'bench.yaml');
writeFileSync(spec, `name: bench\ngrid:\n  trace: synthetic:conv\n  count: ${count}\n  model: llama-3-8b\n  policy: [${policies}]\n  rate: [${rates}]\n  seed: [${seeds}]\n`);

/** @param {string[]} args */
function timed(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [kvsim, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kvsim ${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const rows = [];
const before = loadavg()[0];
let loop = 0;
for (const policy of policies) for (const rate of rates) for (const seed of seeds) {
  loop += timed(['replay', '--trace', 'synthetic:conv', '--count', String(count), '--model', 'llama-3-8b', '--policy', policy, '--rate', String(rate), '--seed', String(seed)]);
}
rows.push(['loop of `kvsim replay` processes', loop]);
for (let jobs = 1; jobs <= availableParallelism(); jobs++) {
  rows.push([`kvsim sweep --jobs ${jobs}`, timed(['sweep', spec, '--out', join(dir, `out-${jobs}`), '--jobs', String(jobs)])]);
}
rmSync(dir, { recursive: true, force: true });
console.log(`${runs} runs of synthetic:conv (${count} requests each), llama-3-8b, vllm, --cost-model auto; ${cpus()[0].model}, ${availableParallelism()} cores; load ${before.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after; ${new Date().toISOString().slice(0, 10)}`);
for (const [name, s] of rows) console.log(`${String(name).padEnd(36)} ${Number(s).toFixed(2).padStart(7)} s  ${(runs / Number(s)).toFixed(2).padStart(6)} runs/s  ${(Number(rows[0][1]) / Number(s)).toFixed(2)}x the loop`);
