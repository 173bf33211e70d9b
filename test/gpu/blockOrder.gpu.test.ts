import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src/gpu/calibrate.js';
import { GpuModel } from '../../src/gpu/GpuModel.js';
import { modelPreset } from '../../src/sim/model/presets.js';
import { gpuForTests } from './checks/gpuForTests.js';

// `kvsim calibrate --block-order both` on the device: the native side measures paged attention with
// shuffled and with ascending block tables, and refuses an order it does not know. A tiny grid (seconds).
const { gpu } = gpuForTests('blockOrder.gpu.test', (g) => (g.binding.modules.includes('GpuModel') ? undefined : 'addon built without the GpuModel module'));

describe.skipIf(!gpu.ok)('calibration block order on the GPU', () => {
  it('both: shuffled paged and ascending pagedAscending tables, every time finite and > 0', () => {
    if (!gpu.ok) return;
    const grid = { gemmTokens: [1], lmHeadRows: [1], decodeBatch: [1, 8], decodeContext: [4096], prefillChunk: [64], prefillContext: [0, 1024], pagedBlockSizes: [16], reps: 3 };
    const p = calibrate(gpu.binding, gpu.info, { model: modelPreset('llama-3-8b'), gpu: 'test', tp: 1, grid, blockOrder: 'both' });
    const tables = [p.decodeAttention?.paged?.['16'], p.decodeAttention?.pagedAscending?.['16'], p.prefillAttention?.paged?.['16'], p.prefillAttention?.pagedAscending?.['16']];
    for (const t of tables) {
      expect(t).toBeDefined();
      for (const s of t!.timeS.flat()) expect(Number.isFinite(s) && s > 0, String(s)).toBe(true);
    }
  });

  it('the native side refuses a block order other than 0 (shuffled) or 1 (ascending)', () => {
    if (!gpu.ok) return;
    const m = new GpuModel(gpu.binding, { model: modelPreset('llama-3-8b'), tp: 1, maxTokens: 16, maxBatch: 4, maxContext: 256, kv: { layout: 'none' }, stateSlots: 0, profileOnly: true });
    try {
      expect(m.time('decode', { batch: 1, context: 256, paged: 1, blockSize: 16, blockOrder: 1, reps: 2 })).toBeGreaterThan(0);
      expect(() => m.time('decode', { batch: 1, context: 256, paged: 1, blockSize: 16, blockOrder: 2, reps: 2 })).toThrow(/blockOrder=2/);
    } finally {
      m.destroy();
    }
  });
});
