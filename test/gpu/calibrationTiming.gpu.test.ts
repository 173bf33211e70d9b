import { describe, expect, it } from 'vitest';
import { calibrate, PRIME_NS } from '../../src/gpu/calibrate.js';
import { GpuModel } from '../../src/gpu/GpuModel.js';
import { modelPreset } from '../../src/sim/model/presets.js';
import { gpuForTests } from './checks/gpuForTests.js';

// `kvsim calibrate --timing primed` on the device: each timed run follows a GPU busy-wait
// (kvsim_busy_wait_ns), which must stay outside the timed span; the native side refuses a wait out of range.
const { gpu } = gpuForTests('calibrationTiming.gpu.test', (g) => (g.binding.modules.includes('GpuModel') ? undefined : 'addon built without the GpuModel module'));

describe.skipIf(!gpu.ok)('primed calibration timing on the GPU', () => {
  it('a primed run of a ~10 us operation times the operation, not the 50 us busy-wait before it', () => {
    if (!gpu.ok) return;
    const m = new GpuModel(gpu.binding, { model: modelPreset('llama-3-8b'), tp: 1, maxTokens: 16, maxBatch: 4, maxContext: 256, kv: { layout: 'none' }, stateSlots: 0, profileOnly: true });
    try {
      const primed = m.time('decode', { batch: 1, context: 256, paged: 0, blockSize: 16, reps: 9, primeNs: PRIME_NS });
      expect(Number.isFinite(primed) && primed > 0, String(primed)).toBe(true);
      expect(primed).toBeLessThan(PRIME_NS * 1e-9);
      expect(() => m.time('decode', { batch: 1, context: 256, paged: 0, blockSize: 16, reps: 2, primeNs: -1 })).toThrow(/primeNs=-1/);
      expect(() => m.time('decode', { batch: 1, context: 256, paged: 0, blockSize: 16, reps: 2, primeNs: 2e9 })).toThrow(/primeNs=2000000000/);
    } finally {
      m.destroy();
    }
  });

  it('calibrate with timing primed: every table time finite and > 0, the method says primed', () => {
    if (!gpu.ok) return;
    const grid = { gemmTokens: [1, 64], lmHeadRows: [1], decodeBatch: [1, 8], decodeContext: [1024], prefillChunk: [64], prefillContext: [0], pagedBlockSizes: [16], reps: 3 };
    const p = calibrate(gpu.binding, gpu.info, { model: modelPreset('llama-3-8b'), gpu: 'test', tp: 1, grid, timing: 'primed' });
    for (const t of [p.layerGemm?.attention, p.lmHead, p.decodeAttention?.contiguous, p.prefillAttention?.paged?.['16']]) {
      expect(t).toBeDefined();
      for (const s of t!.timeS.flat()) expect(Number.isFinite(s) && s > 0, String(s)).toBe(true);
    }
    expect(p.method).toContain('primed runs');
  });
});
