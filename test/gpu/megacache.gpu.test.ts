import { describe, expect, it } from 'vitest';
import { attentionNative } from '../../src/gpu/AttentionNative.js';
import { runAttention } from '../../src/gpu/attentionCall.js';
import { relativeError } from '../../src/gpu/attentionReference.js';
import { ATTENTION_TOLERANCE } from '../../src/gpu/attentionSelfCheck.js';
import { fromHalfBits } from '../../src/gpu/halfBits.js';
import { replayOnGpu } from '../../src/gpu/replayOnGpu.js';
import type { PolicyOptions } from '../../src/sim/memory/PolicyOptions.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';
import { gpuForTests } from './checks/gpuForTests.js';
import { type MegacacheCase, megacacheCase } from './checks/megacacheCase.js';
import { warmUpContext } from './checks/warmUpContext.js';

// vAttention's megacache layout on the GPU: the contiguous decode and prefill kernels reading one
// layer out of [slot][token][layer][Hkv][D] buffers (token stride L*Hkv*D*b, layer offset l*Hkv*D*b)
// against the float64 reference, and a whole replay with 2 buffers instead of 2L.
const { gpu, skip } = gpuForTests('megacache.gpu.test', (g) => (attentionNative(g.binding) ? undefined : 'addon built without the Attention module'));
const native = gpu.ok ? attentionNative(gpu.binding) : undefined;

const CASES: MegacacheCase[] = [
  { kind: 'decode', dtype: 'bf16', headDim: 128, numQHeads: 32, numKvHeads: 8, layers: 4, layer: 0, contextLens: [1, 65, 300, 1000] },
  { kind: 'decode', dtype: 'f16', headDim: 128, numQHeads: 32, numKvHeads: 8, layers: 4, layer: 3, contextLens: [7, 129, 777] },
  { kind: 'decode', dtype: 'f16', headDim: 64, numQHeads: 8, numKvHeads: 8, layers: 3, layer: 1, contextLens: [2, 513] },
  { kind: 'prefill', dtype: 'bf16', headDim: 128, numQHeads: 8, numKvHeads: 2, layers: 4, layer: 2, contextLens: [1, 200, 330], queryLens: [1, 200, 130] },
  { kind: 'prefill', dtype: 'f16', headDim: 64, numQHeads: 8, numKvHeads: 4, layers: 3, layer: 2, contextLens: [150, 97], queryLens: [150, 33] },
];

describe.skipIf(skip !== false || !native)('megacache layout on the GPU', () => {
  it.each(CASES.map((c) => [`${c.kind} ${c.dtype} D${c.headDim} Hkv${c.numKvHeads} layer ${c.layer}/${c.layers} ctx=[${c.contextLens.join(',')}]`, c] as const))(
    'attention %s matches the float64 reference',
    (_name, c) => {
      const seed = `${Date.now()}`;
      const m = megacacheCase(c, seed);
      const out = Float64Array.from(runAttention(native!, m.call), (b) => fromHalfBits(b, c.dtype));
      expect(relativeError(out, m.reference), `seed ${seed}`).toBeLessThanOrEqual(ATTENTION_TOLERANCE[c.dtype]);
    },
  );

  it('fails when the kernel is told the rows are packed (the check can fail)', () => {
    const m = megacacheCase(CASES[0], 'fixed');
    const packed = { ...m.call, cache: { layout: 'contiguous' as const, slotStrideBytes: m.slotStrideBytes, slotOfRequest: m.slotOfRequest } };
    const out = Float64Array.from(runAttention(native!, packed), (b) => fromHalfBits(b, 'bf16'));
    const err = relativeError(out, m.reference);
    expect(Number.isNaN(err) || err > ATTENTION_TOLERANCE.bf16).toBe(true);
  });

  it('replays a short trace with megacache (2 buffers), every request complete, device memory returned', async () => {
    if (!gpu.ok) return;
    await warmUpContext();
    const before = gpu.binding.memInfo(0).freeBytes;
    const trace = await openTrace('synthetic:conv', { count: 12, seed: 5, maxContextTokens: 4096 });
    const g = await replayOnGpu({ trace, model: 'llama-3-8b', hardware: 'h100', policy: 'vattention', policyOptions: { layout: 'megacache' } as PolicyOptions });
    expect(g.run.summary.completed).toBe(g.run.summary.requests);
    expect(g.pairs.gpuS.length).toBe(g.run.summary.iterations);
    const after = gpu.binding.memInfo(0).freeBytes;
    expect(Math.abs(after - before)).toBeLessThan(64 * 1024 * 1024);
  }, 300_000);
});
