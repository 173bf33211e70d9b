import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collectTrace } from '../../../src/sim/trace/collectTrace.js';
import { openTrace } from '../../../src/sim/trace/openTrace.js';
import type { RequestSpec } from '../../../src/sim/trace/RequestSpec.js';
import { MAX_TRACE_TOKENS } from '../../../src/sim/trace/tokenLimits.js';
import { TraceParseError } from '../../../src/sim/trace/TraceParseError.js';
import { tmpTraceDir } from './tmpTrace.js';

const write = tmpTraceDir();
let fileNo = 0;

type Format = 'azure' | 'vidur' | 'jsonl' | 'mooncake';

const rowArb = fc.record({
  gapMs: fc.integer({ min: 0, max: 5000 }),
  prompt: fc.integer({ min: 1, max: 100_000 }),
  output: fc.integer({ min: 1, max: 5000 }),
});

function render(format: Format, rows: { gapMs: number; prompt: number; output: number }[]): string {
  let t = 1_700_000_000_000;
  let nextId = 1;
  const lines: string[] = [];
  if (format === 'azure') lines.push('TIMESTAMP,ContextTokens,GeneratedTokens');
  if (format === 'vidur') lines.push('arrived_at,num_prefill_tokens,num_decode_tokens');
  for (const r of rows) {
    t += r.gapMs;
    if (format === 'azure') lines.push(`${new Date(t).toISOString().replace('T', ' ').replace('Z', '0000')},${r.prompt},${r.output}`);
    else if (format === 'vidur') lines.push(`${(t - 1_700_000_000_000) / 1000},${r.prompt},${r.output}`);
    else if (format === 'jsonl') lines.push(JSON.stringify({ arrivalS: (t - 1_700_000_000_000) / 1000, promptTokens: r.prompt, outputTokens: r.output }));
    else {
      // Mooncake: ms timestamps, one id per 512-token block, the first block shared by every row.
      const ids = Array.from({ length: Math.ceil(r.prompt / 512) }, (_, j) => (j === 0 ? 0 : nextId++));
      lines.push(JSON.stringify({ timestamp: t - 1_700_000_000_000, input_length: r.prompt, output_length: r.output, hash_ids: ids }));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** One corruption of a byte buffer: the kinds of damage real files suffer. */
const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(',', '\n', '"', '\r\n', '-', '.', '{', '}', 'e9', '\0', 'NaN', ',,,', '9999999999999999999')) }),
  fc.record({ kind: fc.constant('garbage' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
  fc.record({ kind: fc.constant('dropColumn' as const), line: fc.nat(), column: fc.nat(3) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);
type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

function mutate(input: Buffer, m: Mutation): Buffer {
  const at = input.length === 0 ? 0 : ('at' in m ? m.at % (input.length + 1) : 0);
  switch (m.kind) {
    case 'byte': {
      if (input.length === 0) return input;
      const out = Buffer.from(input);
      out[at % input.length] = m.value;
      return out;
    }
    case 'delete':
      return Buffer.concat([input.subarray(0, at), input.subarray(at + m.length)]);
    case 'insert':
      return Buffer.concat([input.subarray(0, at), Buffer.from(m.text), input.subarray(at)]);
    case 'garbage':
      return Buffer.concat([input.subarray(0, at), Buffer.from(m.bytes), input.subarray(at)]);
    case 'truncate':
      return input.subarray(0, at);
    case 'dropColumn': {
      const lines = input.toString('latin1').split('\n');
      const i = m.line % lines.length;
      lines[i] = lines[i].split(',').filter((_, c) => c !== m.column).join(',');
      return Buffer.from(lines.join('\n'), 'latin1');
    }
  }
}

/** Opens a fuzzed file; a dropped arrival column makes a Vidur trace length-only, which needs an arrival process. */
async function openLenient(path: string, skipInvalid: boolean) {
  try {
    return await openTrace(path, { skipInvalid });
  } catch (err) {
    if ((err as { code?: string }).code !== 'TRACE_NO_ARRIVALS') throw err;
    return openTrace(path, { skipInvalid, arrival: { kind: 'constant', ratePerS: 10 } });
  }
}

function checkInvariants(rows: RequestSpec[]): void {
  expect(rows.length).toBeGreaterThan(0);
  let prev = 0;
  rows.forEach((r, i) => {
    expect(r.id).toBe(i);
    expect(Number.isFinite(r.arrivalS) && r.arrivalS >= prev).toBe(true);
    expect(Number.isInteger(r.promptTokens) && r.promptTokens >= 1).toBe(true);
    expect(Number.isInteger(r.outputTokens) && r.outputTokens >= 1).toBe(true);
    expect(r.promptTokens <= MAX_TRACE_TOKENS && r.outputTokens <= MAX_TRACE_TOKENS).toBe(true);
    if (r.prefixBlockIds !== undefined) {
      const size = r.prefixBlockTokens as number;
      expect(Number.isInteger(size) && size >= 1).toBe(true);
      expect(r.prefixBlockIds.length).toBeLessThanOrEqual(Math.ceil(r.promptTokens / size));
      for (const id of r.prefixBlockIds) expect(Number.isSafeInteger(id) && id >= 0).toBe(true);
      expect(new Set(r.prefixBlockIds).size).toBe(r.prefixBlockIds.length);
    }
    prev = r.arrivalS;
  });
  expect(rows[0].arrivalS).toBe(0);
}

describe('readers under fuzzing throw nothing but TraceParseError', () => {
  for (const format of ['azure', 'vidur', 'jsonl', 'mooncake'] as const) {
    it(`${format}: mutated bytes, dropped columns, injected garbage (plain and gzip)`, async () => {
      const outcomes = { read: 0, rejected: 0 };
      await fc.assert(
        fc.asyncProperty(
          fc.array(rowArb, { minLength: 1, maxLength: 30 }),
          fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
          fc.boolean(),
          fc.boolean(),
          fc.boolean(),
          async (rows, mutations, gzip, mutateAfterGzip, skipInvalid) => {
            let bytes: Buffer = Buffer.from(render(format, rows));
            if (!mutateAfterGzip) for (const m of mutations) bytes = mutate(bytes, m);
            if (gzip) bytes = gzipSync(bytes);
            if (gzip && mutateAfterGzip) for (const m of mutations) bytes = mutate(bytes, m);
            const path = write(`fuzz-${fileNo++}`, bytes);
            try {
              checkInvariants(await collectTrace(await openLenient(path, skipInvalid)));
              outcomes.read++;
            } catch (err) {
              if (!(err instanceof TraceParseError)) throw err;
              outcomes.rejected++;
              expect(err.code).toBe('TRACE_PARSE');
              expect(err.message.startsWith(path)).toBe(true);
              expect(err.message).not.toContain('\n');
            }
          },
        ),
        // Mooncake rows carry up to ~200 ids each: fewer runs keep the file as fast as the others.
        { numRuns: format === 'mooncake' ? 500 : 1500, seed: 20231116 },
      );
      // Both paths must be exercised, or the property says little.
      expect(outcomes.read).toBeGreaterThan(100);
      expect(outcomes.rejected).toBeGreaterThan(100);
    });
  }

  it('unmutated inputs read back exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 30 }), fc.constantFrom<Format>('azure', 'vidur', 'jsonl', 'mooncake'), async (rows, format) => {
        const got = await collectTrace(await openTrace(write(`clean-${fileNo++}`, render(format, rows))));
        expect(got.map((r) => [r.promptTokens, r.outputTokens])).toEqual(rows.map((r) => [r.prompt, r.output]));
        let t = 0;
        rows.forEach((r, i) => {
          if (i > 0) t += r.gapMs / 1000;
          expect(got[i].arrivalS).toBeCloseTo(t, 6);
        });
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
