import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDuckDb } from '../../src/sweep/duckdbStore.js';
import { mergeShards } from '../../src/sweep/mergeShards.js';
import { JOURNAL, runSweep } from '../../src/sweep/runSweep.js';

const ROOT = join(import.meta.dirname, '..', '..');
// Small and roofline-priced so the whole file runs in seconds on 2 cores.
const SPEC = `name: test
grid:
  trace: synthetic:conv
  count: 20
  model: llama-3-8b
  cost-model: roofline
  policy: [paged, vattention]
  rate: [2, 6]
  seed: [1, 2]
slo:
  - name: tight
    ttft-p99-ms: 800
    tbt-p99-ms: 60
    rate-min: 1
    rate-max: 32
    tolerance: 0.25
`;
const RUNS = 2 * 2 * 2 + 2 * 2;

let dir: string;
let spec: string;
const quiet = { log: () => {}, tty: false };
const files = (out: string) => ['results.jsonl', 'results.csv'].map((f) => readFileSync(join(out, f), 'utf8'));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvsim-sweep-'));
  spec = join(dir, 'spec.yaml');
  writeFileSync(spec, SPEC);
  // Worker threads load the compiled worker: build dist/ from the current sources (exit code ignored:
  // type errors in files outside the sweep do not stop tsc from emitting).
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'ignore' });
  } catch {
    /* checked below */
  }
  if (!existsSync(join(ROOT, 'dist', 'sweep', 'sweepWorker.js'))) throw new Error('npm run build did not produce dist/sweep/sweepWorker.js');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runSweep', () => {
  let reference: string[];

  it('runs every run in this thread and writes results in sweep order, DuckDB included', async () => {
    const out = join(dir, 'one');
    const r = await runSweep(spec, { outDir: out, jobs: 1, ...quiet });
    expect(r).toMatchObject({ planned: RUNS, resumed: 0, ran: RUNS, failed: 0, duckdb: true });
    reference = files(out);
    expect(reference[0].trim().split('\n').length).toBe(RUNS);
    const db = await queryDuckDb(out, "SELECT policy, count(*) AS n, min(slo_max_rate_per_s) > 0 AS served FROM runs GROUP BY policy ORDER BY policy");
    expect(db.rows).toEqual([['paged', '6', 'true'], ['vattention', '6', 'true']]);
    const slo = await queryDuckDb(out, "SELECT count(*) FROM runs WHERE kind = 'slo' AND ttft_p99_s * 1000 <= 800 AND tbt_p99_s * 1000 <= 60");
    expect(slo.rows).toEqual([['4']]);
  });

  it('gives byte-identical results on a pool of 2 worker threads', async () => {
    const out = join(dir, 'two');
    await runSweep(spec, { outDir: out, jobs: 2, ...quiet });
    expect(files(out)).toEqual(reference);
  });

  it('resumes from a journal cut mid-line: finished runs are not redone, results unchanged', async () => {
    const out = join(dir, 'resume');
    await runSweep(spec, { outDir: out, jobs: 1, ...quiet });
    const journal = join(out, JOURNAL);
    const lines = readFileSync(journal, 'utf8').split('\n');
    writeFileSync(journal, `${lines.slice(0, 5).join('\n')}\n${lines[5].slice(0, 40)}`);
    const r = await runSweep(spec, { outDir: out, jobs: 2, ...quiet });
    expect(r).toMatchObject({ resumed: 5, ran: RUNS - 5, failed: 0 });
    expect(files(out)).toEqual(reference);
    const again = await runSweep(spec, { outDir: out, jobs: 2, ...quiet });
    expect(again).toMatchObject({ resumed: RUNS, ran: 0 });
  });

  it('runs as 3 shards whose merge equals the single-process results; a missing or repeated shard is refused', async () => {
    const shards = [0, 1, 2].map((i) => join(dir, `shard-${i}`));
    for (const [i, out] of shards.entries()) await runSweep(spec, { outDir: out, jobs: 1, shard: { index: i, count: 3 }, ...quiet });
    const merged = join(dir, 'merged');
    expect((await mergeShards(shards, merged)).runs).toBe(RUNS);
    expect(files(merged)).toEqual(reference);
    await expect(mergeShards(shards.slice(0, 2), join(dir, 'm2'))).rejects.toThrow('shard 2/3 missing');
    await expect(mergeShards([shards[0], shards[0], shards[1]], join(dir, 'm3'))).rejects.toThrow(/are both shard 0\/3/);
  });

  it('survives SIGKILL of the CLI: the rerun finishes the rest and matches', async () => {
    const out = join(dir, 'killed');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'kvsim.js'), 'sweep', spec, '--out', out, '--jobs', '1'], { stdio: 'ignore' });
    const journal = join(out, JOURNAL);
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        const n = existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').length - 1 : 0;
        if (n >= 3) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 5);
      child.on('exit', () => {
        clearInterval(timer);
        resolve();
      });
      child.on('error', reject);
    });
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.on('exit', r)));
    const before = readFileSync(journal, 'utf8').split('\n').filter((l) => l.endsWith('}')).length;
    const r = await runSweep(spec, { outDir: out, jobs: 2, ...quiet });
    expect(r.resumed).toBeGreaterThanOrEqual(Math.min(before, RUNS));
    expect(r.resumed + r.ran).toBe(RUNS);
    expect(files(out)).toEqual(reference);
  });
});
