import { describe, expect, it } from 'vitest';
import { attentionNative } from '../../src/gpu/AttentionNative.js';
import type { AttentionCacheLayout } from '../../src/gpu/attentionCall.js';
import { type AttentionCheckCase, attentionSelfCheck, checkAttentionCase, DEFAULT_ATTENTION_CHECKS } from '../../src/gpu/attentionSelfCheck.js';
import { gpuForTests } from './checks/gpuForTests.js';

// Needs the native addon built with module Attention and an NVIDIA GPU; otherwise skipped with the reason.
const { gpu } = gpuForTests('attention.gpu.test', (g) => (attentionNative(g.binding) ? undefined : 'addon built without the Attention module'));
const native = gpu.ok ? attentionNative(gpu.binding) : undefined;

describe.skipIf(!native)('attention kernels on the GPU (float64 reference, fresh random inputs, NaN-poisoned outputs)', () => {
  it.each(DEFAULT_ATTENTION_CHECKS.map((c, i) => [i, c] as const))('case %i', (_i, c) => {
    const [r] = attentionSelfCheck(native!, { seed: `${Date.now()}`, cases: [c] });
    expect(r.relativeError, r.name).toBeLessThanOrEqual(r.tolerance);
  });

  it('fails when two blocks of the table are swapped (the check can fail)', () => {
    const c: AttentionCheckCase = { kind: 'decode', dtype: 'f16', headDim: 128, numQHeads: 8, numKvHeads: 8, contextLens: [64, 64], layout: 'paged', blockSizeTokens: 16 };
    const swap = (cache: AttentionCacheLayout) => {
      if (cache.layout !== 'paged') return;
      const t = cache.blockTable;
      [t[0], t[1]] = [t[1], t[0]]; // same request, same tokens' scores, but keys and values misplaced in time
      [t[0], t[cache.maxBlocksPerSeq]] = [t[cache.maxBlocksPerSeq], t[0]]; // and one block from the other request
    };
    expect(checkAttentionCase(native!, c, 'fixed').pass).toBe(true);
    expect(checkAttentionCase(native!, c, 'fixed', 0, swap).pass).toBe(false);
  });
});
