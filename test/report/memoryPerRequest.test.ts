import { describe, expect, it } from 'vitest';
import { crossoverContextTokens, memoryPerRequestBytes } from '../../src/report/memoryPerRequest.js';
import { presetWithDtype } from '../../src/report/presetWithDtype.js';
import { modelPreset } from '../../src/sim/model/presets.js';

describe('memory per request and the state/KV crossover', () => {
  it('xLSTM-7B state equals Llama-3-8B KV of ~1026 tokens in fp32 and ~513 in bf16 (DESIGN.md)', () => {
    const llama = modelPreset('llama-3-8b');
    // 134,480,896 B of state / 131,072 B of KV per token.
    expect(crossoverContextTokens(llama, modelPreset('xlstm-7b'))).toBeCloseTo(134_480_896 / 131_072, 9);
    expect(Math.round(crossoverContextTokens(llama, modelPreset('xlstm-7b'))!)).toBe(1026);
    expect(Math.round(crossoverContextTokens(llama, presetWithDtype('xlstm-7b@bf16').model)!)).toBe(513);
    // TP2 halves both sides: the crossover does not move.
    expect(crossoverContextTokens(llama, modelPreset('xlstm-7b'), 2)).toBeCloseTo(crossoverContextTokens(llama, modelPreset('xlstm-7b'))!, 9);
  });

  it('is undefined when one side has no KV or no state', () => {
    expect(crossoverContextTokens(modelPreset('xlstm-7b'), modelPreset('llama-3-8b'))).toBeUndefined();
  });

  it('adds KV per token and constant state for a hybrid', () => {
    const h = modelPreset('hybrid-7b');
    const at0 = memoryPerRequestBytes(h, 0);
    expect(at0).toBeGreaterThan(0);
    // 8 attention layers of Llama-3-8B shape: 2*8*8*128*2 = 32 KiB per token.
    expect(memoryPerRequestBytes(h, 100) - at0).toBe(100 * 32 * 1024);
  });

  it('labels the dtype and rejects an unknown one by name', () => {
    expect(presetWithDtype('xlstm-7b@bf16').label).toBe('xlstm-7b (state bf16)');
    expect(presetWithDtype('llama-3-8b').label).toBe('llama-3-8b (KV bf16)');
    expect(() => presetWithDtype('xlstm-7b@fp64')).toThrow(/Expected a dtype suffix .* for model "xlstm-7b@fp64" but received "fp64"/);
  });
});
