import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { runCli } from '../../src/cli/runCli.js';
import type { RunResult } from '../../src/sim/metrics/RunResult.js';

const dir = mkdtempSync(join(tmpdir(), 'kvsim-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONV = join(__dirname, '..', '..', '..', 'shared', 'traces', 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');

/** Runs the CLI in-process, capturing stdout, stderr and the exit code. */
async function cli(...argv: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const w1 = process.stdout.write.bind(process.stdout);
  const w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await runCli(argv, COMMANDS);
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { out, err, code };
}

describe('kvsim replay', () => {
  it('replays every applicable policy for llama-3-8b and xlstm-7b into one table, JSON and CSV', async () => {
    const json = join(dir, 'runs.json');
    const csv = join(dir, 'csv');
    const r = await cli('replay', '--trace', 'synthetic:conv:count=60', '--json', json, '--csv', csv, '--no-progress');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const label of ['static(max=8192)', 'paged(block=16', 'vattention(page=2MiB, slots=999 capped)', 'recurrent(', 'TTFT p99', 'TBT p50', 'E2E p90', 'peak allocated', 'fragmentation', 'preemptions', 'allocation time'])
      expect(r.out).toContain(label);
    const file = JSON.parse(readFileSync(json, 'utf8')) as { runs: RunResult[] };
    expect(file.runs.map((x) => `${x.config.model} ${x.config.policy.split('(')[0]}`)).toEqual([
      'llama-3-8b static', 'llama-3-8b paged', 'llama-3-8b vattention', 'xlstm-7b recurrent',
    ]);
    for (const run of file.runs) {
      expect(run.schema).toBe('kvsim.run/1');
      expect(run.summary.requests).toBe(60);
      expect(run.requests.finishS).toHaveLength(60);
      expect(run.iterations.startS.length).toBe(run.summary.iterations);
      expect(run.config.backend).toBe('sim');
    }
    const files = readdirSync(csv).sort();
    expect(files).toContain('summary.csv');
    expect(files.filter((f) => f.endsWith('.requests.csv'))).toHaveLength(4);
    const summary = readFileSync(join(csv, 'summary.csv'), 'utf8').trim().split('\n');
    expect(summary).toHaveLength(5);
    expect(summary[0]).toContain('ttftS_p99');
  });

  it('passes page and block sizes, scheduler and seed through; same seed gives the same bytes', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const args = ['replay', '--trace', 'synthetic:code', '--count', '40', '--seed', '3', '--model', 'llama-3-8b', '--policy', 'paged,vattention', '--block-size', '32', '--page-size', '64K', '--assume-page-cost', '25', '--scheduler', 'sarathi', '--token-budget', '512', '--no-progress'];
    expect((await cli(...args, '--json', a)).code).toBe(0);
    expect((await cli(...args, '--json', b)).code).toBe(0);
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    const runs = (JSON.parse(readFileSync(a, 'utf8')) as { runs: RunResult[] }).runs;
    expect(runs.map((x) => x.config.policy)).toEqual(['paged(block=32)', 'vattention(page=64KiB, assumed map 25us)']);
    expect(runs[0].config.scheduler).toContain('sarathi(tokenBudget=512');
    expect(runs[0].config.seed).toBe(3);
  });

  it('several models and policies: each policy runs on the models it applies to', async () => {
    const f = join(dir, 'mixed.json');
    const r = await cli('replay', '--trace', 'synthetic:conv:count=20', '--model', 'llama-3-8b,xlstm-7b', '--policy', 'paged,recurrent', '--json', f, '--no-progress');
    // Each model's non-applicable policies are named, never dropped silently (issue 16 item 4).
    expect(r.err).toMatch(/^kvsim: note: llama-3-8b: recurrent skipped \(its layers call for static, paged, vattention\)$/m);
    expect(r.err).toMatch(/^kvsim: note: xlstm-7b: paged skipped \(its layers call for recurrent\)$/m);
    const runs = (JSON.parse(readFileSync(f, 'utf8')) as { runs: RunResult[] }).runs;
    expect(runs.map((x) => `${x.config.model} ${x.config.policy.split('(')[0]}`)).toEqual(['llama-3-8b paged', 'xlstm-7b recurrent']);
  });

  it('--progress draws a bar on stderr only (off by default when stderr is not a terminal)', async () => {
    const r = await cli('replay', '--trace', 'synthetic:conv:count=20', '--model', 'xlstm-7b', '--progress');
    expect(r.err).toContain('] 20/20');
    expect(r.out).not.toContain('\r');
  });

  it('one policy, one run: the JSON is the RunResult itself', async () => {
    const f = join(dir, 'one.json');
    expect((await cli('replay', '--trace', 'synthetic:conv:count=20', '--model', 'xlstm-7b', '--json', f, '--no-progress')).code).toBe(0);
    expect((JSON.parse(readFileSync(f, 'utf8')) as RunResult).schema).toBe('kvsim.run/1');
  });

  it('a KV policy on a hybrid model is that policy for its attention layers (as validate takes it)', async () => {
    const f = join(dir, 'hybrid.json');
    const r = await cli('replay', '--trace', 'synthetic:conv:count=10', '--model', 'hybrid-7b', '--policy', 'paged,vattention', '--json', f, '--no-progress');
    expect(r.code, r.err).toBe(0);
    const runs = JSON.parse(readFileSync(f, 'utf8')) as { runs?: RunResult[] } | RunResult[];
    const labels = (Array.isArray(runs) ? runs : runs.runs ?? []).map((x) => String(x.config.policy));
    expect(labels).toHaveLength(2);
    expect(labels[0]).toMatch(/^hybrid\(paged\(/);
    expect(labels[1]).toMatch(/^hybrid\(vattention\(/);
    const bad = await cli('replay', '--trace', 'synthetic:conv:count=5', '--model', 'hybrid-7b', '--policy', 'recurrent', '--no-progress');
    expect(bad.err).toMatch(/its layers call for hybrid, or static, paged or vattention for its attention layers/);
  });

  it('bad options: one line on stderr naming the option, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--policy', 'magic'], /--policy/],
      [['--model', 'xlstm-7b', '--policy', 'paged'], /--policy paged does not apply to xlstm-7b/],
      [['--model', 'llama-3-8b,xlstm-7b', '--policy', 'paged,recurrent,hybrid'], /policies that apply to llama-3-8b or xlstm-7b for --policy but received "hybrid"/],
      [['--scheduler', 'fifo'], /scheduler/],
      [['--page-size', '3M'], /pageSizeBytes|--page-size/],
      [['--block-size', '0'], /--block-size/],
      [['--tp', '3'], /tp/],
      [['--gpu', 'tpu'], /Unknown GPU/],
      [['--trace', join(dir, 'missing.csv')], /missing\.csv/],
    ];
    for (const [args, message] of cases) {
      const r = await cli('replay', '--trace', 'synthetic:conv:count=5', ...args, '--no-progress');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(message);
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });

  it.skipIf(!existsSync(CONV))(`replays the real Azure conv trace (first 2000 requests; skipped when ${CONV} is absent)`, async () => {
    const r = await cli('replay', '--trace', CONV, '--first', '2000', '--model', 'llama-3-8b', '--policy', 'paged', '--no-progress');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/(1999|2000) \/ (1|0)/);
  });
});
