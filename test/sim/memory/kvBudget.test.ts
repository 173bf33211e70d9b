import { describe, expect, it } from 'vitest';
import { hardwarePreset } from '../../../src/sim/hardware/presets.js';
import { defaultActivationReserveBytes, kvBudgetBytes } from '../../../src/sim/memory/kvBudget.js';
import { modelPreset } from '../../../src/sim/model/presets.js';

describe('kvBudgetBytes', () => {
  it('Llama-3-8B on H100 TP1: 0.9 x 80 GB - weights - reserve', () => {
    const m = modelPreset('llama-3-8b');
    // Reserve: 8192 tokens x (2*14336 + 4*4096) x 2 B + 256 x 128256 x 4 B + 512 MiB.
    const reserve = 8192 * (2 * 14336 + 4 * 4096) * 2 + 256 * 128256 * 4 + 512 * 2 ** 20;
    expect(defaultActivationReserveBytes(m, 1)).toBe(reserve);
    const weights = 8_030_261_248 * 2;
    expect(kvBudgetBytes(m, hardwarePreset('h100'), 1)).toBe(72e9 - weights - reserve);
    expect(kvBudgetBytes(m, hardwarePreset('h100'), 1, { gpuMemoryUtilization: 0.5, activationReserveBytes: 0 })).toBe(40e9 - weights);
  });

  it('TP halves the weights per GPU', () => {
    const m = modelPreset('llama-3-8b');
    const h = hardwarePreset('h100');
    const opts = { activationReserveBytes: 0 };
    expect(kvBudgetBytes(m, h, 2, opts) - kvBudgetBytes(m, h, 1, opts)).toBe(8_030_261_248);
  });

  it('says clearly when the weights do not fit', () => {
    expect(() => kvBudgetBytes(modelPreset('llama-3-70b'), hardwarePreset('h100'), 1)).toThrow(/llama-3-70b does not fit on h100-sxm-80gb at tp=1.*raise --tp/);
    expect(() => kvBudgetBytes(modelPreset('llama-3-8b'), hardwarePreset('h100'), 1, { gpuMemoryUtilization: 2 })).toThrow(/gpuMemoryUtilization/);
  });
});
