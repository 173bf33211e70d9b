import { describe, expect, it } from 'vitest';
import { HybridPolicy } from '../../../src/sim/memory/HybridPolicy.js';
import { PagedPolicy } from '../../../src/sim/memory/PagedPolicy.js';
import { VAttentionPolicy } from '../../../src/sim/memory/VAttentionPolicy.js';
import { ctxFor, KiB } from './fixtures.js';

// hybrid-7b: 8 attention layers (8 KV heads, d 128, bf16) and 24 mLSTM layers (xLSTM-7B shapes, fp32).
const KV_PER_TOKEN = 2 * 8 * 8 * 128 * 2; // 32 KiB
const STATE = 24 * 8 * (256 * 512 + 256 + 1) * 4; // 100,860,672 B

describe('HybridPolicy', () => {
  it('splits the budget so both parts run out together at splitContextTokens (default 2048)', () => {
    const capacity = 100 * (STATE + 2048 * KV_PER_TOKEN);
    const p = new HybridPolicy(ctxFor('hybrid-7b', capacity));
    expect(KV_PER_TOKEN).toBe(32 * KiB);
    expect(p.recurrentFraction).toBeCloseTo(STATE / (STATE + 2048 * KV_PER_TOKEN), 12);
    expect(p.parts.attention).toBeInstanceOf(PagedPolicy);
    expect(p.parts.recurrent.stateBytes).toBe(STATE);
    expect(p.parts.recurrent.numSlots).toBe(100);
    let n = 0;
    while (p.admit(n, 2048)) n++;
    // Paged keeps 1% of blocks free at admission, so the KV part refuses a little before 100.
    expect(n).toBe(Math.min(100, Math.floor(((p.parts.attention as PagedPolicy).numBlocks * 0.99) / 128)));
  });

  it('refuses without touching either part when the state pool is full', () => {
    const p = new HybridPolicy(ctxFor('hybrid-7b', 10 * STATE), { recurrentFraction: 0.1, attention: 'vattention' });
    expect(p.parts.attention).toBeInstanceOf(VAttentionPolicy);
    expect(p.admit(0, 10)).toBe(true);
    const before = p.parts.attention.snapshot();
    expect(p.admit(1, 10)).toBe(false);
    expect(p.parts.attention.snapshot()).toEqual(before);
    expect(p.stats.refused).toBe(1);
    expect(p.label).toMatch(/^hybrid\(vattention\(page=2MiB\)\+recurrent/);
  });

  it('sums the parts in its snapshot and stats', () => {
    const p = new HybridPolicy(ctxFor('hybrid-7b', 20 * STATE), { attention: 'static', attentionOptions: { maxContextTokens: 1000 } });
    p.admit(0, 500);
    const s = p.snapshot();
    expect(s.liveBytes).toBe(500 * KV_PER_TOKEN + STATE);
    expect(s.allocatedBytes).toBe(1000 * KV_PER_TOKEN + STATE);
    expect(s.capacityBytes).toBe(p.parts.attention.capacityBytes + p.parts.recurrent.capacityBytes);
    expect(p.stats.allocOps).toBe(2);
    p.release(0);
    expect(p.snapshot().allocatedBytes).toBe(0);
  });
});
