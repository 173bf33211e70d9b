import { describe, expect, it } from 'vitest';
import { collectTrace } from '../../../src/sim/trace/collectTrace.js';
import { createLengthSampler } from '../../../src/sim/trace/LengthSpec.js';
import { openSyntheticTrace, openTrace } from '../../../src/sim/trace/openTrace.js';
import type { RequestSpec } from '../../../src/sim/trace/RequestSpec.js';
import { syntheticPreset } from '../../../src/sim/trace/syntheticPresets.js';
import { MAX_TRACE_TOKENS, tokenCountProblem } from '../../../src/sim/trace/tokenLimits.js';
import { TraceParseError } from '../../../src/sim/trace/TraceParseError.js';
import { traceStats } from '../../../src/sim/trace/traceStats.js';
import { tmpTraceDir } from './tmpTrace.js';

const write = tmpTraceDir();
const TOO_LARGE = 'expected at most 1000000000 tokens (MAX_TRACE_TOKENS, so prompt + output fits 32-bit counters)';

async function failure(path: string): Promise<string> {
  try {
    await collectTrace(await openTrace(path));
  } catch (err) {
    expect(err).toBeInstanceOf(TraceParseError);
    return (err as Error).message;
  }
  throw new Error(`${path} was read without error`);
}

describe('token counts are bounded at read time (issue 15 item 2)', () => {
  it('the bound keeps prompt + output inside a signed 32-bit counter', () => {
    expect(MAX_TRACE_TOKENS).toBe(1e9);
    expect(MAX_TRACE_TOKENS + MAX_TRACE_TOKENS).toBeLessThanOrEqual(2 ** 31 - 1);
    expect(Int32Array.of(MAX_TRACE_TOKENS + MAX_TRACE_TOKENS)[0]).toBe(MAX_TRACE_TOKENS + MAX_TRACE_TOKENS);
  });

  it('an output of 10^12 tokens: one line naming file, line and field, in every format', async () => {
    const cases: [string, string, string][] = [
      ['azure.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03,10,1\n2023-11-16 18:17:04,10,1000000000000\n', `:3: GeneratedTokens: ${TOO_LARGE} but found "1000000000000"`],
      ['vidur.csv', 'arrived_at,num_prefill_tokens,num_decode_tokens\n0,10,1000000000000.0\n', `:2: num_decode_tokens: ${TOO_LARGE} but found "1000000000000.0"`],
      ['kvsim.jsonl', '{"arrivalS":0,"promptTokens":10,"outputTokens":1000000000000}\n', `:1: outputTokens: ${TOO_LARGE} but found 1000000000000`],
      ['mooncake.jsonl', '{"timestamp": 0, "input_length": 10, "output_length": 1000000000000, "hash_ids": [0]}\n', `:1: output_length: ${TOO_LARGE} but found 1000000000000`],
    ];
    for (const [name, content, message] of cases) {
      const path = write(name, content);
      const got = await failure(path);
      expect(got).toBe(`${path}${message}`);
      expect(got.includes('\n')).toBe(false);
    }
  });

  it('4294967306 (2^32 + 10) is refused, not wrapped to 10', async () => {
    const csv = write('wrap.csv', 'arrived_at,num_prefill_tokens,num_decode_tokens\n0,4294967306,5\n');
    expect(await failure(csv)).toBe(`${csv}:2: num_prefill_tokens: ${TOO_LARGE} but found "4294967306"`);
    const jsonl = write('wrap.jsonl', '{"arrivalS":0,"promptTokens":4294967306,"outputTokens":5}\n');
    expect(await failure(jsonl)).toBe(`${jsonl}:1: promptTokens: ${TOO_LARGE} but found 4294967306`);
  });

  it('the bound itself is accepted; one more is not; absurd digit strings say "too large"', async () => {
    const ok = write('edge.csv', `arrived_at,num_prefill_tokens,num_decode_tokens\n0,${MAX_TRACE_TOKENS},${MAX_TRACE_TOKENS}\n`);
    const rows = await collectTrace(await openTrace(ok));
    expect([rows[0].promptTokens, rows[0].outputTokens]).toEqual([MAX_TRACE_TOKENS, MAX_TRACE_TOKENS]);
    const over = write('over.csv', `arrived_at,num_prefill_tokens,num_decode_tokens\n0,${MAX_TRACE_TOKENS + 1},1\n`);
    // 2^31 - 1 is refused too: a bound of 2^31 - 1 per count would still let prompt + output wrap.
    const int32Max = write('int32max.jsonl', '{"arrivalS":0,"promptTokens":2147483647,"outputTokens":1}\n');
    expect(await failure(int32Max)).toBe(`${int32Max}:1: promptTokens: ${TOO_LARGE} but found 2147483647`);
    expect(await failure(over)).toContain(`num_prefill_tokens: ${TOO_LARGE}`);
    const huge = write('huge.csv', `arrived_at,num_prefill_tokens,num_decode_tokens\n0,${'9'.repeat(400)},1\n`);
    expect(await failure(huge)).toContain(`num_prefill_tokens: ${TOO_LARGE} but found "999`);
    expect(tokenCountProblem(1e400)).toBe(TOO_LARGE);
    expect(tokenCountProblem(1.5)).toBe('expected a positive integer');
    expect(tokenCountProblem(Number.NaN)).toBe('expected a positive integer');
  });

  it('generators cannot produce counts above the bound either', async () => {
    expect(() => createLengthSampler({ kind: 'fixed', tokens: MAX_TRACE_TOKENS + 1 }, 1, 'prompt')).toThrow(/for prompt length tokens/);
    expect(() => createLengthSampler({ kind: 'uniform', min: 1, max: 2 ** 32 }, 1, 'prompt')).toThrow(/for prompt length max/);
    // An untruncated lognormal with a huge median: its draws stop at the bound.
    const draws = Array.from({ length: 200 }, createLengthSampler({ kind: 'lognormal', median: 1e12, p90: 1e13 }, 1, 'prompt'));
    expect(Math.max(...draws)).toBe(MAX_TRACE_TOKENS);
    const rows = await collectTrace(await openSyntheticTrace({ ...syntheticPreset('conv'), count: 5, output: { kind: 'lognormal', median: 1e12, p90: 1e13 } }));
    for (const r of rows) expect(r.outputTokens).toBeLessThanOrEqual(MAX_TRACE_TOKENS);
  });
});

describe('traceStats sums in float64', () => {
  it('counts beyond 2^31 (handed in by a library caller) give exact means, not wrapped ones', async () => {
    const rows: RequestSpec[] = [
      { id: 0, arrivalS: 0, promptTokens: 3e9, outputTokens: 1e12 },
      { id: 1, arrivalS: 1, promptTokens: 1e9, outputTokens: 4294967306 },
    ];
    const s = await traceStats({
      name: 'big',
      async *chunks() {
        yield rows.map((r) => ({ ...r }));
      },
    });
    expect(s.promptTokens.mean).toBe(2e9);
    expect(s.promptTokens.max).toBe(3e9);
    expect(s.outputTokens.mean).toBe((1e12 + 4294967306) / 2);
    expect(s.outputTokens.min).toBe(4294967306);
  });
});
