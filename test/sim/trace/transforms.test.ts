import { describe, expect, it } from 'vitest';
import { collectTrace } from '../../../src/sim/trace/collectTrace.js';
import { openTrace } from '../../../src/sim/trace/openTrace.js';
import type { TraceOptions } from '../../../src/sim/trace/TraceOptions.js';
import { TRACE_CHUNK_SIZE } from '../../../src/sim/trace/TraceSource.js';
import { tmpTraceDir } from './tmpTrace.js';

const write = tmpTraceDir();
// 10 requests at t = 100, 101, ..., 109 s; prompt = 10*(i+1), output = i+1.
const path = write(
  'ten.jsonl',
  Array.from({ length: 10 }, (_, i) => JSON.stringify({ arrivalS: 100 + i, promptTokens: 10 * (i + 1), outputTokens: i + 1 })).join('\n'),
);

async function rows(options: TraceOptions) {
  return collectTrace(await openTrace(path, options));
}

describe('trace transformations', () => {
  it('time window keeps [start, end) and shifts the first kept request to 0', async () => {
    const r = await rows({ windowStartS: 2, windowEndS: 5 });
    expect(r.map((x) => [x.id, x.arrivalS, x.promptTokens])).toEqual([[0, 0, 30], [1, 1, 40], [2, 2, 50]]);
  });

  it('first N', async () => {
    expect((await rows({ first: 3 })).map((x) => x.promptTokens)).toEqual([10, 20, 30]);
    expect((await rows({ windowStartS: 8, first: 5 })).map((x) => x.promptTokens)).toEqual([90, 100]);
  });

  it('sample N: seeded, without replacement, arrival order kept', async () => {
    const a = await rows({ sampleN: 4, seed: 1 });
    const b = await rows({ sampleN: 4, seed: 1 });
    const c = await rows({ sampleN: 4, seed: 2 });
    expect(a).toEqual(b);
    expect(a.map((x) => x.promptTokens)).not.toEqual(c.map((x) => x.promptTokens));
    expect(a).toHaveLength(4);
    const prompts = a.map((x) => x.promptTokens);
    expect(new Set(prompts).size).toBe(4);
    expect([...prompts].sort((p, q) => p - q)).toEqual(prompts);
    expect(a[0].arrivalS).toBe(0);
    expect(a.map((x) => x.id)).toEqual([0, 1, 2, 3]);
  });

  it('sample N is uniform: every request equally likely over many seeds', async () => {
    const hits = new Array(10).fill(0);
    for (let seed = 0; seed < 400; seed++) for (const r of await rows({ sampleN: 3, seed })) hits[r.promptTokens / 10 - 1]++;
    for (const h of hits) expect(Math.abs(h / 400 - 0.3)).toBeLessThan(0.08);
  });

  it('time scale multiplies arrivals', async () => {
    expect((await rows({ timeScale: 0.5 })).map((x) => x.arrivalS)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5]);
  });

  it('target rate rescales to exactly that mean rate', async () => {
    const r = await rows({ targetRatePerS: 3 });
    expect((r.length - 1) / r[r.length - 1].arrivalS).toBeCloseTo(3, 12);
    const synthetic = await collectTrace(await openTrace('synthetic:conv', { count: 500, targetRatePerS: 2 }));
    expect((synthetic.length - 1) / synthetic[synthetic.length - 1].arrivalS).toBeCloseTo(2, 12);
  });

  it('max context clips output first, then the prompt', async () => {
    const source = await openTrace(path, { maxContextTokens: 45 });
    const r = await collectTrace(source);
    expect(r.map((x) => [x.promptTokens, x.outputTokens])).toEqual([[10, 1], [20, 2], [30, 3], [40, 4], [44, 1], [44, 1], [44, 1], [44, 1], [44, 1], [44, 1]]);
    expect(source.clippedCount).toBe(6);
    for (const x of r) expect(x.promptTokens + x.outputTokens).toBeLessThanOrEqual(45);
  });

  it('invalid options fail with the option name', async () => {
    await expect(rows({ timeScale: 0 })).rejects.toThrow(/for timeScale/);
    await expect(rows({ timeScale: 2, targetRatePerS: 3 })).rejects.toThrow(/give one of them/);
    await expect(rows({ windowStartS: 5, windowEndS: 5 })).rejects.toThrow(/for windowEndS/);
    await expect(rows({ first: 0 })).rejects.toThrow(/for first/);
    await expect(rows({ format: 'xml' as never })).rejects.toThrow(/for format/);
    await expect(rows({ windowStartS: 50 })).rejects.toThrow(/no requests left after the time window/);
    await expect(rows({ count: 5 })).rejects.toThrow(/count sets the size of synthetic traces; .*ten\.jsonl is a file/);
    await expect(rows({ arrival: { kind: 'poisson', ratePerS: 1 } })).rejects.toThrow(/ten\.jsonl has its own arrival times/);
  });

  it('streams: chunks of at most TRACE_CHUNK_SIZE, ids continue across chunks', async () => {
    const source = await openTrace('synthetic:code', { count: 10_000 });
    let next = 0;
    for await (const chunk of source.chunks()) {
      expect(chunk.length).toBeLessThanOrEqual(TRACE_CHUNK_SIZE);
      for (const r of chunk) expect(r.id).toBe(next++);
    }
    expect(next).toBe(10_000);
  });
});

describe('openTrace sources', () => {
  it('unknown names and missing files say what is accepted', async () => {
    await expect(openTrace('no-such-trace.csv')).rejects.toThrow(
      'No trace "no-such-trace.csv": expected a registry name (azure-conv-2023, azure-code-2023, mooncake-conversation), a synthetic spec (synthetic:conv, synthetic:code, synthetic:system-prompt, synthetic:multiturn) or an existing file',
    );
    await expect(openTrace('synthetic:chat')).rejects.toThrow(/synthetic:conv\|synthetic:code/);
  });

  it('a registry trace not yet fetched tells the user the command to run', async () => {
    const saved = { cache: process.env.KVSIM_CACHE, dir: process.env.KVSIM_TRACE_DIR };
    process.env.KVSIM_CACHE = '/nonexistent/kvsim-cache';
    delete process.env.KVSIM_TRACE_DIR;
    try {
      await expect(openTrace('azure-code-2023')).rejects.toMatchObject({
        code: 'TRACE_NOT_CACHED',
        message: 'Trace "azure-code-2023" is not downloaded yet: run `kvsim trace fetch azure-code-2023` (it goes to /nonexistent/kvsim-cache/traces)',
      });
    } finally {
      if (saved.cache === undefined) delete process.env.KVSIM_CACHE;
      else process.env.KVSIM_CACHE = saved.cache;
      if (saved.dir !== undefined) process.env.KVSIM_TRACE_DIR = saved.dir;
    }
  });
});
