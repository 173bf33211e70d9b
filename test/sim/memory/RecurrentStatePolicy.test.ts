import { describe, expect, it } from 'vitest';
import { RecurrentStatePolicy } from '../../../src/sim/memory/RecurrentStatePolicy.js';
import { ctxFor, LLAMA3_8B_TOKEN_BYTES, MiB } from './fixtures.js';

describe('RecurrentStatePolicy (xLSTM-7B)', () => {
  // 32 mLSTM layers x 8 heads x (C: 256*512 + n: 256 + m: 1) elements = 32*8*131329 = 33,620,224 elements.
  it.each([
    ['fp32', 33_620_224 * 4, 134_480_896],
    ['bf16', 33_620_224 * 2, 134_480_896 / 2],
    ['fp16', 33_620_224 * 2, 67_240_448],
  ] as const)('state in %s is %i bytes per request (%i)', (dtype, computed, published) => {
    const p = new RecurrentStatePolicy(ctxFor('xlstm-7b', 10 * 134_480_896), { stateDtype: dtype });
    expect(p.stateBytes).toBe(computed);
    expect(p.stateBytes).toBe(published);
    expect(p.numSlots).toBe(Math.floor((10 * 134_480_896) / computed));
  });

  it('has a capacity independent of context length', () => {
    const p = new RecurrentStatePolicy(ctxFor('xlstm-7b', 3 * 134_480_896 + 7));
    expect(p.admit(0, 10)).toBe(true);
    expect(p.admit(1, 100_000)).toBe(true);
    expect(p.grow(0, 1_000_000)).toBe(true);
    expect(p.admit(2, 1)).toBe(true);
    expect(p.admit(3, 1)).toBe(false);
    expect(p.tokenCapacity(1)).toBe(Number.POSITIVE_INFINITY);
    expect(p.snapshot()).toMatchObject({ allocatedBytes: 3 * 134_480_896, liveBytes: 3 * 134_480_896, fragmentationBytes: 0, requests: 3 });
  });

  it('"constant" is not "smaller": the fp32 state equals Llama-3-8B KV of about 1026 tokens', () => {
    // 134,480,896 / 131,072 B per token = 1026.0 tokens (DESIGN.md: the crossover).
    expect(134_480_896 / LLAMA3_8B_TOKEN_BYTES).toBeCloseTo(1026.0, 0);
    expect(134_480_896 / MiB).toBeCloseTo(128.25, 2);
  });

  it('rejects an unknown state dtype naming the option', () => {
    expect(() => new RecurrentStatePolicy(ctxFor('xlstm-7b', 1e9), { stateDtype: 'int4' as 'fp8' })).toThrow(/stateDtype/);
  });
});
