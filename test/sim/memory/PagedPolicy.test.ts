import { describe, expect, it } from 'vitest';
import { PagedPolicy } from '../../../src/sim/memory/PagedPolicy.js';
import { InvalidOptionError } from '../../../src/errors.js';
import { ctxFor, LLAMA3_8B_TOKEN_BYTES } from './fixtures.js';

describe('PagedPolicy', () => {
  it('sizes the pool in whole blocks and keeps a watermark at admission only', () => {
    // 100 blocks of 16 tokens plus a little slack that no block can use.
    const p = new PagedPolicy(ctxFor('llama-3-8b', 100 * 16 * LLAMA3_8B_TOKEN_BYTES + 12345), { watermark: 0.05 });
    expect(p.numBlocks).toBe(100);
    expect(p.capacityBytes).toBe(100 * 16 * LLAMA3_8B_TOKEN_BYTES);
    expect(p.watermarkBlocks).toBe(5);
    // 95 blocks admissible: 95*16 tokens fits, one more token does not.
    expect(p.canAdmit(95 * 16)).toBe(true);
    expect(p.canAdmit(95 * 16 + 1)).toBe(false);
    expect(p.admit(0, 95 * 16)).toBe(true);
    expect(p.admit(1, 1)).toBe(false);
    expect(p.stats.refused).toBe(1);
    // Growth may eat into the watermark.
    expect(p.grow(0, 100 * 16)).toBe(true);
    expect(p.grow(0, 100 * 16 + 1)).toBe(false);
    expect(p.snapshot().freeBytes).toBe(0);
  });

  it.each([
    // tokens, blockSize, blocks held, fragmentation tokens
    [1, 16, 1, 15],
    [16, 16, 1, 0],
    [17, 16, 2, 15],
    [1000, 32, 32, 24],
    [4096, 256, 16, 0],
    [7, 1, 7, 0],
  ])('holds ceil(%i / %i) = %i blocks, %i tokens of waste', (tokens, block, blocks, wasteTokens) => {
    const p = new PagedPolicy(ctxFor('llama-3-8b', 1000 * 256 * LLAMA3_8B_TOKEN_BYTES), { blockSizeTokens: block, watermark: 0 });
    expect(p.admit(7, tokens)).toBe(true);
    const s = p.snapshot();
    expect(s.allocatedBytes).toBe(blocks * block * LLAMA3_8B_TOKEN_BYTES);
    expect(s.fragmentationBytes).toBe(wasteTokens * LLAMA3_8B_TOKEN_BYTES);
    expect(p.tokenCapacity(7)).toBe(blocks * block);
    expect(p.blocksOf(7)).toHaveLength(blocks);
  });

  it('records block ids and returns them all on release', () => {
    const p = new PagedPolicy({ ...ctxFor('llama-3-8b', 10 * 16 * LLAMA3_8B_TOKEN_BYTES), recordOps: true }, { watermark: 0 });
    p.admit(3, 20);
    p.grow(3, 40);
    expect(p.takeOps()).toEqual([
      { op: 'assignSlot', requestId: 3, slot: 0, part: 'kv' },
      { op: 'assignBlocks', requestId: 3, blockIds: [0, 1] },
      { op: 'assignBlocks', requestId: 3, blockIds: [2] },
    ]);
    p.release(3);
    expect(p.takeOps()).toEqual([
      { op: 'freeBlocks', requestId: 3, blockIds: [0, 1, 2] },
      { op: 'freeSlot', requestId: 3, slot: 0, part: 'kv' },
    ]);
    expect(p.freeBlocks).toBe(10);
    expect(p.stats).toMatchObject({ allocOps: 3, freeOps: 3, allocTimeS: 0 });
    p.checkInvariants();
  });

  it('rejects bad options naming them', () => {
    expect(() => new PagedPolicy(ctxFor('llama-3-8b', 1e9), { blockSizeTokens: 0 })).toThrow(InvalidOptionError);
    expect(() => new PagedPolicy(ctxFor('llama-3-8b', 1e9), { blockSizeTokens: 257 })).toThrow(/blockSizeTokens/);
    expect(() => new PagedPolicy(ctxFor('llama-3-8b', 1e9), { watermark: -1 })).toThrow(/watermark/);
  });

  it('refuses requests longer than maxContextTokens', () => {
    const p = new PagedPolicy(ctxFor('llama-3-8b', 1e10), { maxContextTokens: 100 });
    expect(p.canAdmit(101)).toBe(false);
    expect(p.admit(0, 100)).toBe(true);
    expect(p.grow(0, 101)).toBe(false);
  });

  it('throws on caller bugs: double admit, unknown release, shrinking grow', () => {
    const p = new PagedPolicy(ctxFor('llama-3-8b', 1e9));
    p.admit(1, 10);
    expect(() => p.admit(1, 10)).toThrow(/already holds/);
    expect(() => p.release(2)).toThrow(/holds no memory/);
    expect(() => p.grow(1, 5)).toThrow(/shrink/);
  });
});
