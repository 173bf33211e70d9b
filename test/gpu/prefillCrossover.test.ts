import { describe, expect, it } from 'vitest';
import type { AttentionNative, NativeAttentionBenchOptions } from '../../src/gpu/AttentionNative.js';
import { findCrossovers, formatPrefillCrossover, type PrefillCrossoverRow, resolvePrefillCrossoverOptions, runPrefillCrossover } from '../../src/gpu/prefillCrossover.js';
import type { NativeXlstmBenchOptions, XlstmNative } from '../../src/gpu/XlstmNative.js';

const row = (seqLen: number, attentionMs: number, mlstmMs: number): PrefillCrossoverRow => ({ seqLen, attentionMs, mlstmMs, mlstmOverAttention: mlstmMs / attentionMs });

// Stand-ins with a quadratic attention and a linear mLSTM time (ms), recording the order of calls.
function fakes(calls: string[]): { attention: AttentionNative; xlstm: XlstmNative; seenA: NativeAttentionBenchOptions[]; seenX: NativeXlstmBenchOptions[] } {
  const seenA: NativeAttentionBenchOptions[] = [];
  const seenX: NativeXlstmBenchOptions[] = [];
  const attention = {
    attentionRun: () => new Uint16Array(0),
    attentionBench: (o: NativeAttentionBenchOptions) => {
      seenA.push(o);
      calls.push(`a${o.queryLen}`);
      return { medianMs: (o.queryLen / 1024) ** 2, minMs: 0, bytes: 0 };
    },
  } as unknown as AttentionNative;
  const xlstm: XlstmNative = {
    xlstmRun: () => new Uint16Array(0),
    xlstmBench: (o) => {
      seenX.push(o);
      calls.push(`x${o.seqLen}`);
      return { medianMs: (4 * o.seqLen) / 1024, minMs: 0, bytes: 1, flops: 1 };
    },
  };
  return { attention, xlstm, seenA, seenX };
}

describe('prefill crossover (attention vs mLSTM per prompt length)', () => {
  it('interpolates the change of the faster kernel in log length and log ratio', () => {
    // ratio 2 at 1024, 0.5 at 4096: the log ratio crosses 0 halfway in log2 length, at 2048.
    const c = findCrossovers([row(1024, 1, 2), row(4096, 4, 2)]);
    expect(c).toEqual([{ seqLen: 2048, between: [1024, 4096], mlstmFasterAbove: true }]);
  });

  it('reports none when one kernel wins throughout, and each change when the winner changes twice', () => {
    expect(findCrossovers([row(256, 1, 2), row(512, 1, 3)])).toEqual([]);
    const twice = findCrossovers([row(256, 1, 2), row(512, 2, 1), row(1024, 1, 2)]);
    expect(twice.map((c) => c.mlstmFasterAbove)).toEqual([true, false]);
    // A tie at a measured length is one crossover, on the interval ending there.
    expect(findCrossovers([row(256, 1, 2), row(512, 2, 2), row(1024, 4, 2)]).map((c) => c.seqLen)).toEqual([512]);
  });

  it('times both kernels back to back per length, one request, the Llama-3-8B and xLSTM-7B layer shapes', () => {
    const calls: string[] = [];
    const f = fakes(calls);
    const r = runPrefillCrossover(f.attention, f.xlstm, 'Fake GPU', { seqLens: [1024, 2048, 4096, 8192], reps: 5 });
    expect(calls).toEqual(['a1024', 'x1024', 'a2048', 'x2048', 'a4096', 'x4096', 'a8192', 'x8192']);
    expect(f.seenA[0]).toMatchObject({ kind: 'prefill', batch: 1, numQHeads: 32, numKvHeads: 8, headDim: 128, causal: true, layout: 0, dtype: 1, reps: 5 });
    expect(f.seenX[0]).toMatchObject({ kind: 'mlstmPrefill', batch: 1, heads: 8, dqk: 256, dv: 512, algorithm: 2, inputDtype: 1, stateDtype: 0, reps: 5 });
    // (S/1024)^2 = 4 S/1024 at S = 4096: a tie there, counted once.
    expect(r.crossovers).toEqual([{ seqLen: 4096, between: [2048, 4096], mlstmFasterAbove: true }]);
    const text = formatPrefillCrossover(r);
    expect(text).toContain('measured on Fake GPU');
    expect(text).toContain('| 8192 | 64.0000 | 32.0000 | 0.500 |');
    expect(text).toContain('crossover ~4096 tokens (between the measured 2048 and 4096');
  });

  it('says which kernel wins when there is no crossover in range', () => {
    const calls: string[] = [];
    const f = fakes(calls);
    const text = formatPrefillCrossover(runPrefillCrossover(f.attention, f.xlstm, 'Fake GPU', { seqLens: [256, 512] }));
    expect(text).toContain('no crossover between 256 and 512 tokens: attention is faster at every measured length');
  });

  it('validates options before any native call', () => {
    expect(() => resolvePrefillCrossoverOptions({ seqLens: [512, 256] })).toThrow(/ascending for prefillCrossover: seqLens\[1\]/);
    expect(() => resolvePrefillCrossoverOptions({ seqLens: [512] })).toThrow(/at least two prompt lengths/);
    expect(() => resolvePrefillCrossoverOptions({ dtype: 'f32' as 'f16' })).toThrow(/prefillCrossover: dtype/);
    const calls: string[] = [];
    const f = fakes(calls);
    expect(() => runPrefillCrossover(f.attention, f.xlstm, 'Fake GPU', { reps: 0 })).toThrow(/prefillCrossover: reps/);
    expect(calls).toEqual([]);
  });
});
