import { describe, expect, it } from 'vitest';
import {
  checkTensorParallel,
  kvBytesPerToken,
  recurrentStateBytesPerRequest,
  weightBytesPerGpu,
} from '../../../src/sim/model/derived.js';
import { modelPreset, MODEL_PRESET_NAMES } from '../../../src/sim/model/presets.js';

describe('derived model sizes (DESIGN.md figures)', () => {
  it('Llama-3-8B KV per token is 2*32*8*128*2 = 128 KiB at TP1 and half at TP2', () => {
    const m = modelPreset('llama-3-8b');
    expect(kvBytesPerToken(m)).toBe(131072);
    expect(kvBytesPerToken(m, 2)).toBe(65536);
  });

  it('xLSTM-7B state is 134,480,896 bytes per request in fp32 and half in bf16', () => {
    const m = modelPreset('xlstm-7b');
    expect(recurrentStateBytesPerRequest(m)).toBe(134_480_896);
    for (const l of m.layers) if (l.kind === 'mlstm') l.stateDtype = 'bf16';
    expect(recurrentStateBytesPerRequest(m)).toBe(134_480_896 / 2);
    expect(kvBytesPerToken(m)).toBe(0);
  });

  it('xLSTM-7B derived parameter count is about 7B', () => {
    const bytes = weightBytesPerGpu(modelPreset('xlstm-7b'));
    expect(bytes / 2).toBeGreaterThan(6.5e9);
    expect(bytes / 2).toBeLessThan(7.5e9);
  });

  it('Llama-2-7B (no GQA) KV per token is 512 KiB', () => {
    expect(kvBytesPerToken(modelPreset('llama-2-7b'))).toBe(2 * 32 * 32 * 128 * 2);
  });

  it('KV heads replicate when TP exceeds them (Yi-6B has 4 KV heads)', () => {
    const m = modelPreset('yi-6b');
    expect(kvBytesPerToken(m, 8)).toBe(2 * 32 * 1 * 128 * 2);
  });

  it('rejects a TP degree that does not divide the heads', () => {
    expect(() => checkTensorParallel(modelPreset('yi-34b'), 3)).toThrow(/tensor-parallel degree dividing 56 heads/);
  });

  it('every preset builds and derived sizes are positive', () => {
    for (const name of MODEL_PRESET_NAMES) {
      const m = modelPreset(name);
      expect(weightBytesPerGpu(m)).toBeGreaterThan(0);
      expect(kvBytesPerToken(m) + recurrentStateBytesPerRequest(m)).toBeGreaterThan(0);
    }
  });
});
