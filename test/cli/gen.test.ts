import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { collectTrace } from '../../src/sim/trace/collectTrace.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';
import { SHARED_TRACE_DIR, tmpTraceDir } from '../sim/trace/tmpTrace.js';
import { kvsim } from './traceHarness.js';

const write = tmpTraceDir();
const dir = dirname(write('.keep', ''));

describe('kvsim gen', () => {
  it('same options, same bytes; the JSONL reads back as the same requests', async () => {
    const args = ['gen', '--preset', 'code', '--count', '200', '--seed', '9', '--rate', '3'];
    const a = await kvsim(args);
    const b = await kvsim(args);
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    expect(a.out.trimEnd().split('\n')).toHaveLength(200);
    const path = write('gen.jsonl', a.out);
    const back = await collectTrace(await openTrace(path));
    const direct = await collectTrace(await openTrace('synthetic:code', { count: 200, seed: 9, targetRatePerS: 3 }));
    expect(back).toEqual(direct);
  });

  it('the committed samples in traces/samples are exactly what kvsim gen writes', async () => {
    const conv = await kvsim(['gen', '--preset', 'conv', '--count', '200', '--seed', '42']);
    expect(conv.out).toBe(readFileSync('traces/samples/conv-200.jsonl', 'utf8'));
    const code = await kvsim(['gen', '--preset', 'code', '--count', '200', '--seed', '42', '--out-format', 'vidur']);
    expect(code.out).toBe(readFileSync('traces/samples/code-200.vidur.csv', 'utf8'));
  });

  it('writes Vidur and Azure CSV that read back to the same lengths and (to 100 ns) arrivals', async () => {
    const direct = await collectTrace(await openTrace('synthetic:conv', { count: 300 }));
    for (const format of ['vidur', 'azure']) {
      const out = join(dir, `gen.${format}.csv`);
      const r = await kvsim(['gen', '--count', '300', '--out-format', format, '-o', out]);
      expect(r.code).toBe(0);
      expect(r.err).toBe(`kvsim: wrote 300 requests to ${out}\n`);
      const back = await collectTrace(await openTrace(out));
      expect(back.map((x) => [x.promptTokens, x.outputTokens])).toEqual(direct.map((x) => [x.promptTokens, x.outputTokens]));
      back.forEach((x, i) => expect(Math.abs(x.arrivalS - direct[i].arrivalS)).toBeLessThan(1e-7));
    }
  });

  it('custom length and arrival distributions; gzip when the name ends in .gz', async () => {
    const out = join(dir, 'custom.jsonl.gz');
    const r = await kvsim(['gen', '--count', '50', '--prompt', 'fixed:100', '--output', 'uniform:min=5,max=9', '--arrival', 'constant:rate=10', '-o', out]);
    expect(r.code).toBe(0);
    const rows = gunzipSync(readFileSync(out)).toString().trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(50);
    for (const [i, x] of rows.entries()) {
      expect(x.promptTokens).toBe(100);
      expect(x.outputTokens).toBeGreaterThanOrEqual(5);
      expect(x.outputTokens).toBeLessThanOrEqual(9);
      expect(x.arrivalS).toBeCloseTo(i / 10, 12);
    }
  });

  it.skipIf(!existsSync(SHARED_TRACE_DIR))('--from converts and transforms a real trace', async () => {
    const r = await kvsim(['gen', '--from', join(SHARED_TRACE_DIR, 'AzureLLMInferenceTrace_code.csv'), '--first', '3', '--out-format', 'vidur']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('arrived_at,num_prefill_tokens,num_decode_tokens\n0,4808,10\n0.052,3180,8\n0.098189,110,27\n');
  });

  it('bad input: exit 2, one line, no partial file', async () => {
    const before = readdirSync(dir).sort();
    for (const args of [
      ['gen', '--prompt', 'lognormal:median=10'],
      ['gen', '--preset', 'chat'],
      ['gen', '--from', 'synthetic:conv', '--prompt', 'fixed:3'],
      ['gen', '--count', '5', '--arrival', 'trace:synthetic:conv:count=3', '-o', join(dir, 'partial.jsonl')],
    ]) {
      const { err, code } = await kvsim(args);
      expect(code, args.join(' ')).toBe(2);
      expect(err.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});
