// @ts-check
// Simulator speed benchmark: `npm run bench` (builds first). Each case runs in its own process, timed
// from spawn to exit (start-up included), side by side in one run. Results are printed, never asserted.
// Cases needing the real Azure traces (../shared/traces/azure-llm-2023) are skipped with the reason when
// the files are absent. BENCH_QUICK=1 leaves out the million-request cases. On a shared machine times
// vary with its load: each case runs BENCH_REPEAT times (default 3; the million-request ones once) and
// the table shows the fastest run and the median of the wall times.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const azure = join(here, '..', '..', 'shared', 'traces', 'azure-llm-2023');
const conv = join(azure, 'AzureLLMInferenceTrace_conv.csv');
const code = join(azure, 'AzureLLMInferenceTrace_code.csv');
const quick = process.env.BENCH_QUICK === '1';
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 3));

/**
 * `cli` cases run the `kvsim` command a user types (bench/cliOnce.js: yargs, --cost-model auto, which
 * picks the calibrated H100 profile); the others call simulate() directly with the roofline model.
 * @type {{ name: string, args: string[], needs?: string, slow?: boolean, cli?: boolean }[]}
 */
const CASES = [
  ...['paged', 'vattention', 'static'].map((policy) => ({
    name: `kvsim replay conv --policy ${policy}`,
    args: ['replay', '--trace', conv, '--model', 'llama-3-8b', '--policy', policy],
    needs: conv,
    cli: true,
  })),
  { name: 'azure conv, paged (vLLM)', args: [conv, 'paged'], needs: conv },
  { name: 'azure conv, vattention 2 MiB', args: [conv, 'vattention'], needs: conv },
  { name: 'azure conv, vattention, single-step', args: [conv, 'vattention', '', 'single-step'], needs: conv },
  { name: 'azure conv, static', args: [conv, 'static'], needs: conv },
  { name: 'azure code, paged', args: [code, 'paged'], needs: code },
  { name: 'synthetic conv 100k, paged', args: ['synthetic:conv', 'paged', '100000'] },
  { name: 'synthetic conv 100k, vattention', args: ['synthetic:conv', 'vattention', '100000'] },
  { name: 'synthetic conv 1M, vattention', args: ['synthetic:conv', 'vattention', '1000000'], slow: true },
  { name: 'synthetic conv 1M, paged', args: ['synthetic:conv', 'paged', '1000000'], slow: true },
];

const rows = [];
process.stderr.write(`kvsim bench on ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
for (const c of CASES) {
  if (c.needs && !existsSync(c.needs)) {
    rows.push([c.name, `skipped: ${c.needs} not found`]);
    continue;
  }
  if (c.slow && quick) {
    rows.push([c.name, 'skipped: BENCH_QUICK=1']);
    continue;
  }
  /** @type {{ wallMs: number, r: any }[]} */
  const ok = [];
  let failure = '';
  for (let i = 0; i < (c.slow ? 1 : repeat); i++) {
    const t0 = performance.now();
    const p = spawnSync(process.execPath, [join(here, c.cli ? 'cliOnce.js' : 'replayOnce.js'), ...c.args], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const wallMs = performance.now() - t0;
    if (p.status === 0) ok.push({ wallMs, r: c.cli ? JSON.parse(p.stderr.slice(p.stderr.lastIndexOf('BENCH ') + 6)) : JSON.parse(p.stdout) });
    else {
      const lines = (p.stderr || '').trim().split('\n');
      failure = lines.find((l) => /Error/.test(l)) ?? lines[0] ?? `exit ${p.status}`;
    }
  }
  if (ok.length === 0) {
    rows.push([c.name, `failed: ${failure}`]);
    continue;
  }
  ok.sort((a, b) => a.wallMs - b.wallMs);
  const best = ok[0];
  const median = ok[Math.floor((ok.length - 1) / 2)].wallMs;
  const r = best.r;
  rows.push([
    c.name,
    `${(best.wallMs / 1000).toFixed(2)} s`,
    `${(median / 1000).toFixed(2)} s`,
    c.cli ? '-' : `${(r.inProcessMs / 1000).toFixed(2)} s`,
    `${Math.min(...ok.map((o) => o.r.cpuS)).toFixed(2)} s`,
    c.cli ? '-' : String(r.requests),
    c.cli ? '-' : String(r.iterations),
    c.cli ? '-' : `${(r.iterations / (r.inProcessMs / 1000) / 1e6).toFixed(2)} M/s`,
    `${r.maxRssMiB.toFixed(0)} MiB`,
  ]);
  process.stderr.write(`  ${c.name}: best ${(best.wallMs / 1000).toFixed(2)} s of ${ok.length}\n`);
}
const header = ['case', 'wall, best (start-up incl.)', 'wall, median', 'in process (best run)', 'CPU (best, start-up incl.)', 'requests', 'iterations', 'iterations/s', 'peak RSS'];
const full = [header, ...rows.filter((r) => r.length > 2)];
const widths = header.map((_, i) => Math.max(...full.map((r) => (r[i] ?? '').length)));
for (const r of [header, ...rows]) {
  if (r.length === 2) process.stdout.write(`${r[0].padEnd(widths[0])}  ${r[1]}\n`);
  else process.stdout.write(r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ') + '\n');
}
process.stdout.write(`load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
