import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runKvsim } from './runKvsim.js';

let dir: string;
let spec: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvsim-sweep-cli-'));
  spec = join(dir, 'grid.yaml');
  writeFileSync(spec, 'name: My Grid\ngrid:\n  model: [llama-3-8b, xlstm-7b]\n  policy: [paged, vattention, recurrent]\n  rate: [1, 2, 4]\n  count: 10\n  cost-model: roofline\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kvsim sweep', () => {
  it('--dry-run counts runs, skipped points and a shard', async () => {
    const r = await runKvsim(['sweep', spec, '--dry-run', '--shard', '1/4']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('9 runs (9 replays, 0 SLO searches); 9 grid points skipped (policy does not apply), 0 duplicates merged; shard 1/4: 2 runs\n');
  });

  it('--emit slurm writes an array script whose tasks run one shard each', async () => {
    const r = await runKvsim(['sweep', spec, '--emit', 'slurm', '--shards', '8', '--cpus', '2', '--out', '/scratch/s']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('#SBATCH --array=0-7\n#SBATCH --cpus-per-task=2\n');
    expect(r.out).toContain('--shard "${SLURM_ARRAY_TASK_ID}/8" --out /scratch/s/shard-"${SLURM_ARRAY_TASK_ID}"');
    expect(r.out).toContain('#SBATCH --job-name=kvsim-my-grid');
  });

  it('--emit k8s writes an Indexed Job with one completion per shard', async () => {
    const r = await runKvsim(['sweep', spec, '--emit', 'k8s', '--shards', '3', '--out', '/results']);
    const job = parse(r.out) as { kind: string; spec: { completionMode: string; completions: number; template: { spec: { containers: { command: string[]; env: { name: string; value: string }[] }[] } } } };
    expect(job.kind).toBe('Job');
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 3 });
    const c = job.spec.template.spec.containers[0];
    expect(c.command[2]).toContain('--shard "$JOB_COMPLETION_INDEX/3" --out /results/shard-"$JOB_COMPLETION_INDEX"');
    expect(c.env).toEqual([{ name: 'KVSIM_SHARDS', value: '3' }]);
  });

  it('runs, then answers SQL from its DuckDB file', async () => {
    const out = join(dir, 'out');
    const r = await runKvsim(['sweep', spec, '--out', out, '--jobs', '1']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('sweep My Grid: 9 runs: 0 resumed, 9 ran, 0 failed');
    const q = await runKvsim(['sweep', 'query', 'SELECT policy, count(*) AS n FROM runs GROUP BY policy ORDER BY policy', '--out', out]);
    expect(q.out).toBe('policy      n\npaged       3\nrecurrent   3\nvattention  3\n');
  });

  it('gives one-line errors for bad input', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'grid:\n  model: llama-3-8b\n  block-size: [16, sixteen]\n');
    expect(await runKvsim(['sweep', bad])).toMatchObject({ code: 2, err: `kvsim: ${bad}:3: Expected an integer >= 1 for grid.block-size but received "sixteen"\n` });
    expect((await runKvsim(['sweep', spec, '--emit', 'lsf'])).err).toBe('kvsim: Expected "slurm" or "k8s" for --emit but received "lsf"\n');
    expect((await runKvsim(['sweep', 'query', 'SELECT 1', '--out', join(dir, 'nowhere')])).err).toMatch(/runs\.duckdb does not exist/);
    expect((await runKvsim(['sweep', '--merge', join(dir, 'nowhere'), '--out', join(dir, 'm')])).err).toMatch(/manifest\.json is missing/);
  });
});
