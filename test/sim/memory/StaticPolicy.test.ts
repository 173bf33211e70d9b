import { describe, expect, it } from 'vitest';
import { StaticPolicy } from '../../../src/sim/memory/StaticPolicy.js';
import { ctxFor, LLAMA3_8B_TOKEN_BYTES } from './fixtures.js';

describe('StaticPolicy', () => {
  it('reserves maxContextTokens per request and wastes exactly the unused part', () => {
    const p = new StaticPolicy(ctxFor('llama-3-8b', 3 * 4096 * LLAMA3_8B_TOKEN_BYTES + 5), { maxContextTokens: 4096 });
    expect(p.numSlots).toBe(3);
    expect(p.admit(10, 100)).toBe(true);
    expect(p.admit(11, 4096)).toBe(true);
    const s = p.snapshot();
    expect(s.allocatedBytes).toBe(2 * 4096 * LLAMA3_8B_TOKEN_BYTES);
    expect(s.liveBytes).toBe(4196 * LLAMA3_8B_TOKEN_BYTES);
    expect(s.fragmentationBytes).toBe((4096 - 100) * LLAMA3_8B_TOKEN_BYTES);
    expect(p.grow(10, 4096)).toBe(true);
    expect(p.grow(10, 4097)).toBe(false);
    expect(p.admit(12, 1)).toBe(true);
    expect(p.admit(13, 1)).toBe(false);
    p.release(11);
    expect(p.admit(13, 1)).toBe(true);
    p.checkInvariants();
  });

  it('defaults to the model maximum context', () => {
    const p = new StaticPolicy(ctxFor('llama-3-8b', 1e10));
    expect(p.maxTokensPerRequest).toBe(8192);
    expect(p.slotBytes).toBe(8192 * LLAMA3_8B_TOKEN_BYTES);
  });
});
