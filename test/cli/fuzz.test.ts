import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCliForTest } from './builtCli.js';
import { baseTraces, otherOptionsCase, replayOptionsCase } from './fuzz/cases.js';
import { FuzzRunner } from './fuzz/FuzzRunner.js';
import { mutateJson, mutateText, pick } from './fuzz/mutate.js';
import { type CaseResult, judge, type Outcome } from './fuzz/oracle.js';

/**
 * Issue 15 item 5: kvsim driven as a hostile user would, seeded (KVSIM_FUZZ_SEED to vary, printed on
 * failure): byte-mutated traces in every format, option combinations, mutated report inputs. Fails on
 * any stack trace, internal error, hang, multi-line error or success that printed nothing.
 * KVSIM_FUZZ_SCALE multiplies the case counts (default 1: CI's budget).
 */
const SEED = Number(process.env.KVSIM_FUZZ_SEED ?? 15_2026);
const SCALE = Number(process.env.KVSIM_FUZZ_SCALE ?? 1);
const COUNTS = { traceStats: 1400 * SCALE, traceReplay: 250 * SCALE, options: 1500 * SCALE, report: 150 * SCALE };
const HANG_MS = 15_000;

const dir = mkdtempSync(join(tmpdir(), 'kvsim-fuzz-'));
let built = '';
let runner: FuzzRunner;
beforeAll(() => {
  const b = buildCliForTest();
  built = b.root;
  runner = new FuzzRunner(join(b.root, 'dist'), HANG_MS);
}, 120_000);
afterAll(async () => {
  await runner?.close();
  rmSync(dir, { recursive: true, force: true });
  if (built) rmSync(built, { recursive: true, force: true });
});

interface Tally {
  cases: number;
  outcomes: Record<string, number>;
  failures: string[];
}

async function drive(t: Tally, label: string, args: string[], expectOutput: (r: CaseResult) => boolean): Promise<void> {
  const r = await runner.run(args);
  const outcome: Outcome = r === undefined ? 'hang' : judge(r, expectOutput);
  t.cases++;
  t.outcomes[outcome] = (t.outcomes[outcome] ?? 0) + 1;
  if (outcome !== 'ok' && outcome !== 'user-error' && t.failures.length < 8) {
    t.failures.push(`${label} [${outcome}] kvsim ${args.map((a) => (a.length > 60 ? `${a.slice(0, 57)}...` : a)).join(' ')}\n    stderr: ${(r?.err ?? '(no answer)').slice(0, 400)}${r?.thrown ? `\n    thrown: ${r.thrown.slice(0, 400)}` : ''}`);
  }
}

function report(name: string, t: Tally): void {
  // The figures the issue note quotes (cases, outcomes), printed on every run.
  console.log(`fuzz ${name}: seed ${SEED}, ${t.cases} cases: ${Object.entries(t.outcomes).sort().map(([k, v]) => `${v} ${k}`).join(', ')}`);
  expect(t.failures, `seed ${SEED}: reproduce with KVSIM_FUZZ_SEED=${SEED}\n${t.failures.join('\n')}`).toEqual([]);
}

const printed = (r: CaseResult) => r.outLength > 0;

describe(`CLI fuzz (seed ${SEED})`, () => {
  it('mutated traces: trace stats and replay end in a result or one line', async () => {
    const rng = seedrandom.alea(String(SEED));
    const bases = baseTraces(rng);
    const t: Tally = { cases: 0, outcomes: {}, failures: [] };
    const names = Object.keys(bases);
    for (let i = 0; i < COUNTS.traceStats + COUNTS.traceReplay; i++) {
      const base = pick(rng, names);
      const file = join(dir, `t${i % 50}-${base}`);
      writeFileSync(file, mutateText(rng, bases[base]));
      const replay = i >= COUNTS.traceStats;
      const args = replay
        ? ['replay', '--trace', file, '--model', pick(rng, ['llama-3-8b', 'xlstm-7b', 'hybrid-7b']), '--cost-model', 'roofline', '--no-progress', ...(rng() < 0.5 ? ['--skip-invalid'] : [])]
        : ['trace', 'stats', file, ...(rng() < 0.3 ? ['--skip-invalid'] : []), ...(rng() < 0.2 ? ['--json'] : [])];
      await drive(t, `trace ${base}`, args, printed);
    }
    report('traces', t);
  }, 240_000);

  it('option combinations: replay, memory, gen, trace stats', async () => {
    const rng = seedrandom.alea(String(SEED + 1));
    const t: Tally = { cases: 0, outcomes: {}, failures: [] };
    for (let i = 0; i < COUNTS.options; i++) {
      const args = i % 3 === 2 ? otherOptionsCase(rng) : replayOptionsCase(rng);
      await drive(t, 'options', args, printed);
    }
    report('options', t);
  }, 240_000);

  it('mutated report inputs: report -o ends in an HTML file or one line', async () => {
    const rng = seedrandom.alea(String(SEED + 2));
    const base = join(dir, 'base.json');
    const made = await runner.run(['replay', '--trace', 'synthetic:conv:count=25', '--model', 'llama-3-8b', '--policy', 'paged,vattention', '--cost-model', 'roofline', '--no-progress', '--json', base]);
    expect(made?.code).toBe(0);
    const text = readFileSync(base, 'utf8');
    const value = JSON.parse(text) as unknown;
    const t: Tally = { cases: 0, outcomes: {}, failures: [] };
    for (let i = 0; i < COUNTS.report; i++) {
      const file = join(dir, `r${i % 20}.json`);
      writeFileSync(file, rng() < 0.7 ? JSON.stringify(mutateJson(rng, value)) : mutateText(rng, text));
      const out = join(dir, `r${i}.html`);
      await drive(t, 'report', ['report', file, '-o', out, '--max-points', '200'], (r) => r.outLength > 0 && existsSync(out));
      rmSync(out, { force: true });
    }
    report('report inputs', t);
  }, 240_000);
});
