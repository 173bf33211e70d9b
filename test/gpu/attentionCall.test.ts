import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import type { AttentionNative } from '../../src/gpu/AttentionNative.js';
import { type AttentionCallOptions, resolveAttentionCall, runAttention } from '../../src/gpu/attentionCall.js';
import { referenceAttention } from '../../src/gpu/attentionReference.js';
import { resolveKernelBenchOptions } from '../../src/gpu/benchKernels.js';

const d = 64;
function decodeOptions(over: Partial<AttentionCallOptions> = {}): AttentionCallOptions {
  const ctx = Int32Array.from([3, 5]);
  const rowElems = 2 * d;
  return {
    kind: 'decode',
    dtype: 'f16',
    numQHeads: 4,
    numKvHeads: 2,
    headDim: d,
    q: new Uint16Array(2 * 4 * d),
    k: new Uint16Array(2 * 8 * rowElems),
    v: new Uint16Array(2 * 8 * rowElems),
    contextLens: ctx,
    cache: { layout: 'contiguous', slotStrideBytes: 8 * rowElems * 2 },
    ...over,
  };
}

/** A native stand-in that records calls: invalid options must never reach it. */
function recorder(): AttentionNative & { calls: number } {
  const r = {
    calls: 0,
    attentionRun(o: { q: Uint16Array }) {
      r.calls++;
      return new Uint16Array(o.q.length);
    },
    attentionBench() {
      throw new Error('not used');
    },
  };
  return r as unknown as AttentionNative & { calls: number };
}

describe('resolveAttentionCall', () => {
  it('fills defaults: device 0, scale 1/sqrt(d), auto splits, causal', () => {
    const r = resolveAttentionCall(decodeOptions());
    expect(r.device).toBe(0);
    expect(r.softmaxScale).toBeCloseTo(1 / 8, 12);
    expect(r.numSplits).toBe(0);
    expect(r.maxContextLen).toBe(5);
    expect(r.layout).toBe(0);
  });

  it.each([
    [{ headDim: 96 }, /Expected 64 or 128 for attentionCall: headDim but received 96/],
    [{ numKvHeads: 3 }, /divisor of numQHeads \(4\) for attentionCall: numKvHeads/],
    [{ contextLens: Int32Array.from([3, 0]) }, /contextLens\[1\]/],
    [{ q: new Uint16Array(7) }, /Expected 512 elements for attentionCall: q but received 7/],
    [{ cache: { layout: 'contiguous', slotStrideBytes: 100 } }, /slotStrideBytes/],
    [{ cache: { layout: 'contiguous', slotStrideBytes: 8 * 128 * 2, slotOfRequest: Int32Array.from([0, 2]) } }, /slot of request 1/],
    [{ cache: { layout: 'paged', blockSizeTokens: 24, maxBlocksPerSeq: 1, blockTable: new Int32Array(2) } }, /power of two in \[8, 1024\]/],
    [{ cache: { layout: 'paged', blockSizeTokens: 8, maxBlocksPerSeq: 1, blockTable: Int32Array.from([0, 99]) } }, /blockTable\[1\]/],
  ] as [Partial<AttentionCallOptions>, RegExp][])('refuses %o before any native call', (over, message) => {
    const native = recorder();
    expect(() => runAttention(native, decodeOptions(over))).toThrow(InvalidOptionError);
    expect(() => runAttention(native, decodeOptions(over))).toThrow(message);
    expect(native.calls).toBe(0);
  });

  it('checks prefill query offsets against the contexts', () => {
    const base = decodeOptions({ kind: 'prefill', q: new Uint16Array(8 * 4 * d) });
    expect(() => resolveAttentionCall({ ...base, cuSeqlensQ: Int32Array.from([0, 4, 8]) })).toThrow(/query length in \[1, contextLens\[0\] = 3\]/);
    expect(() => resolveAttentionCall({ ...base, cuSeqlensQ: Int32Array.from([0, 3]) })).toThrow(/3 offsets starting at 0/);
    const ok = resolveAttentionCall({ ...base, q: new Uint16Array(6 * 4 * d), cuSeqlensQ: Int32Array.from([0, 3, 6]) });
    expect(ok.maxQueryLen).toBe(3);
  });

  it('passes a valid call through to the native side once', () => {
    const native = recorder();
    const out = runAttention(native, decodeOptions());
    expect(native.calls).toBe(1);
    expect(out.length).toBe(2 * 4 * d);
  });
});

describe('referenceAttention', () => {
  it('averages V uniformly when all scores tie, and respects the causal mask', () => {
    // One request, one head, d=2: q=0 gives equal scores; causal row 0 sees only key 0.
    const k = [Float64Array.from([1, 0, 0, 1, 1, 1])];
    const v = [Float64Array.from([1, 2, 3, 4, 5, 6])];
    const q = new Float64Array(3 * 2);
    const args = { q, k, v, contextLens: [3], queryLens: [3], numQHeads: 1, numKvHeads: 1, headDim: 2, softmaxScale: 1 };
    const causal = referenceAttention({ ...args, causal: true });
    expect(Array.from(causal)).toEqual([1, 2, 2, 3, 3, 4]);
    const full = referenceAttention({ ...args, causal: false });
    expect(Array.from(full)).toEqual([3, 4, 3, 4, 3, 4]);
  });
});

describe('resolveKernelBenchOptions', () => {
  it('defaults to a Llama-3-8B layer with 1 GiB of KV per decode shape', () => {
    const o = resolveKernelBenchOptions();
    for (const s of o.decode) expect(2 * s.batch * s.contextLen * o.numKvHeads * o.headDim * 2).toBe(2 ** 30);
    expect(o.blockSizes).toEqual([16, 32, 64, 128, 256]);
  });
  it('refuses a block size that is not a power of two', () => {
    expect(() => resolveKernelBenchOptions({ blockSizes: [48] })).toThrow(/Expected a power of two in \[8, 1024\] for benchKernels: block size but received 48/);
  });
});
