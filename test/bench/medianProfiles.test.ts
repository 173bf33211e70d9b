import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain-JavaScript bench script without type declarations
import { medianProfile } from '../../bench/gpu/medianProfiles.mjs';

// The cell-wise median of repeated calibrations (bench/gpu/medianProfiles.mjs) on synthetic profiles.
function profile(gemm: number[], decode: number[][], decodeB = [128, 256], extra: object = {}) {
  return {
    gpu: 'h100-sxm-80gb',
    model: 'llama-3-8b',
    tp: 1,
    method: 'm',
    layerGemm: { attention: { x: [1, 8, 64], timeS: gemm, xName: 'tokens' } },
    lmHead: { x: [1, 4], timeS: [gemm[0], gemm[1]], xName: 'rows' },
    decodeAttention: { contiguous: { a: [1, 2], b: decodeB, timeS: decode, aName: 'batch', bName: 'contextTokens' } },
    enactment: { paged: { iterationS: gemm[0], allocIterationS: 0, perAllocOpS: 0, iterations: 1 } },
    ...extra,
  };
}

describe('medianProfile', () => {
  it('takes the median of every cell of every table with the same axes; enactment from the first', () => {
    const a = profile([1, 5, 9], [[1, 2], [3, 4]]);
    const b = profile([3, 4, 7], [[2, 2], [9, 1]]);
    const c = profile([2, 6, 8], [[3, 2], [5, 2]]);
    const { profile: m, medianTables, keptTables } = medianProfile([a, b, c], ['a', 'b', 'c']);
    expect(m.layerGemm.attention.timeS).toEqual([2, 5, 8]);
    expect(m.decodeAttention.contiguous.timeS).toEqual([[2, 2], [5, 2]]);
    expect(m.enactment).toEqual(a.enactment);
    expect(medianTables).toEqual(['layerGemm.attention', 'lmHead', 'decodeAttention.contiguous']);
    expect(keptTables).toEqual([]);
    expect(m.method).toBe('m; kernel tables cell-wise median of 3 calibrations (a, b, c) by bench/gpu/medianProfiles.mjs; enactment from the first');
    // Inputs untouched.
    expect(a.layerGemm.attention.timeS).toEqual([1, 5, 9]);
  });

  it('keeps the first input\'s table where axes differ, and restricts the median to the tables asked for', () => {
    const a = profile([1, 5, 9], [[1, 2], [3, 4]]);
    const b = profile([3, 4, 7], [[2, 2], [9, 1]], [128, 512]);
    const r = medianProfile([a, b], ['a', 'b']);
    expect(r.keptTables).toEqual(['decodeAttention.contiguous']);
    expect(r.profile.decodeAttention.contiguous.timeS).toEqual([[1, 2], [3, 4]]);
    expect(r.profile.layerGemm.attention.timeS).toEqual([1, 4, 7]);
    const only = medianProfile([a, profile([3, 4, 7], [[9, 9], [9, 9]])], ['a', 'b'], ['layerGemm']);
    expect(only.medianTables).toEqual(['layerGemm.attention']);
    expect(only.profile.decodeAttention.contiguous.timeS).toEqual([[1, 2], [3, 4]]);
  });

  it('refuses other cards or models, predicted profiles, and a single input', () => {
    const a = profile([1, 2, 3], [[1, 1], [1, 1]]);
    expect(() => medianProfile([a, { ...a, model: 'yi-6b' }], ['a', 'b'])).toThrow(/b is h100-sxm-80gb\/yi-6b/);
    expect(() => medianProfile([a, { ...a, derivedFrom: {} }], ['a', 'b'])).toThrow(/predicted profile/);
    expect(() => medianProfile([a], ['a'])).toThrow(/at least two/);
  });
});
