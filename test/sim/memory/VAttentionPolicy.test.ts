import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { VAttentionPolicy } from '../../../src/sim/memory/VAttentionPolicy.js';
import { ctxFor, KiB, MiB } from './fixtures.js';

const us = 1e-6;

describe('VAttentionPolicy: tokens per page group (the vAttention paper arithmetic)', () => {
  // Tokens per page = pageSize / (Hkv_per_GPU * headDim * bytes), headDim 128, fp16/bf16 (2 bytes).
  // Llama-3-8B: 8 KV heads; Yi-6B: 4; Yi-34B: 8 (60 layers). At TP-2 KV heads split in two.
  it.each([
    // model, tp, per-token-per-layer bytes written out, page, tokens per group
    ['llama-3-8b', 1, 8 * 128 * 2, 64 * KiB, 32],
    ['llama-3-8b', 1, 8 * 128 * 2, 128 * KiB, 64],
    ['llama-3-8b', 1, 8 * 128 * 2, 256 * KiB, 128],
    ['llama-3-8b', 1, 8 * 128 * 2, 2 * MiB, 1024],
    ['yi-6b', 1, 4 * 128 * 2, 64 * KiB, 64],
    ['yi-6b', 1, 4 * 128 * 2, 2 * MiB, 2048],
    ['yi-6b', 2, 2 * 128 * 2, 64 * KiB, 128],
    ['yi-6b', 2, 2 * 128 * 2, 128 * KiB, 256],
    ['yi-6b', 2, 2 * 128 * 2, 256 * KiB, 512],
    ['yi-6b', 2, 2 * 128 * 2, 2 * MiB, 4096],
    ['llama-3-8b', 2, 4 * 128 * 2, 64 * KiB, 64],
    ['llama-3-8b', 2, 4 * 128 * 2, 128 * KiB, 128],
    ['llama-3-8b', 2, 4 * 128 * 2, 256 * KiB, 256],
    ['llama-3-8b', 2, 4 * 128 * 2, 2 * MiB, 2048],
    ['yi-34b', 2, 4 * 128 * 2, 64 * KiB, 64],
    ['yi-34b', 2, 4 * 128 * 2, 128 * KiB, 128],
    ['yi-34b', 2, 4 * 128 * 2, 256 * KiB, 256],
    ['yi-34b', 2, 4 * 128 * 2, 2 * MiB, 2048],
  ] as const)('%s TP-%i: %i B per token per layer, %i-byte pages hold %i tokens', (model, tp, perLayer, page, tokens) => {
    const p = new VAttentionPolicy(ctxFor(model, 10 * 1024 * MiB, tp), { pageSizeBytes: page });
    expect(p.tokenBytesPerLayer).toBe(perLayer);
    expect(p.tokensPerGroup).toBe(tokens);
    const layers = model === 'yi-34b' ? 60 : 32;
    expect(p.buffers).toBe(2 * layers);
    expect(p.groupBytes).toBe(2 * layers * page);
    // One token more than a group holds needs a second group.
    expect(p.groupsFor(tokens)).toBe(1);
    expect(p.groupsFor(tokens + 1)).toBe(2);
  });

  it('Llama-3-8B TP1: a 2 MiB page group is 64 pages = 128 MiB holding 1024 tokens', () => {
    const p = new VAttentionPolicy(ctxFor('llama-3-8b', 1024 * MiB), { pageSizeBytes: 2 * MiB });
    expect(p.groupBytes).toBe(128 * MiB);
    expect(p.poolGroups).toBe(8);
    // S = roundUp(8192 tokens * 2048 B, 2 MiB) = 16 MiB per slot per buffer.
    expect(p.slotBytesPerBuffer).toBe(16 * MiB);
    expect(p.pagesPerSlot).toBe(8);
    // Slot r owns [r*S, (r+1)*S) of every buffer.
    expect(p.pageOffsetBytes(3, 5)).toBe(3 * 16 * MiB + 5 * 2 * MiB);
    expect(p.bufferBytes).toBe(p.maxBatch * 16 * MiB);
  });
});

describe('VAttentionPolicy: virtual address budget', () => {
  it('fails with a message naming maxBatch and maxContextTokens when 2L buffers do not fit', () => {
    // Llama-3-8B: one slot spans 64 buffers x 16 MiB = 1 GiB; 2^47 bytes hold 131072 slots.
    expect(() => new VAttentionPolicy(ctxFor('llama-3-8b', 1e9), { maxBatch: 131072 })).not.toThrow();
    const make = () => new VAttentionPolicy(ctxFor('llama-3-8b', 1e9), { maxBatch: 131073 });
    expect(make).toThrow(UserError);
    expect(make).toThrow(/maxBatch=131073 x maxContextTokens=8192.*at most 131072/);
  });

  it('defaults maxBatch to the requests physical memory could hold, one page group each', () => {
    const p = new VAttentionPolicy(ctxFor('llama-3-8b', 1000 * MiB), { pageSizeBytes: 64 * KiB });
    // Group = 64 x 64 KiB = 4 MiB; 1000 MiB / 4 MiB = 250 groups.
    expect(p.poolGroups).toBe(250);
    expect(p.maxBatch).toBe(250);
    expect(p.virtualBytes).toBe(250 * 64 * 16 * MiB);
  });

  it('rejects page sizes the driver cannot map', () => {
    for (const bad of [32 * KiB, 96 * KiB, 3 * MiB, 0]) {
      expect(() => new VAttentionPolicy(ctxFor('llama-3-8b', 1e9), { pageSizeBytes: bad })).toThrow(/pageSizeBytes/);
    }
    expect(() => new VAttentionPolicy(ctxFor('llama-3-8b', 1e9), { pageSizeBytes: 6 * MiB })).not.toThrow();
  });
});

describe('VAttentionPolicy: mapping, reuse and reclamation', () => {
  it('prices each page at cuMemMap + cuMemSetAccess (H100: 1.3 + 23.7 us) and unmaps at cuMemUnmap', () => {
    const p = new VAttentionPolicy(ctxFor('llama-3-8b', 1024 * MiB), { deferredReclamation: false });
    expect(p.admit(0, 1)).toBe(true);
    // One 2 MiB group = 64 pages x 25.0 us = 1.6 ms.
    expect(p.stats.allocOps).toBe(64);
    expect(p.stats.allocTimeS).toBeCloseTo(64 * 25.0 * us, 12);
    p.release(0);
    expect(p.stats.freeOps).toBe(64);
    expect(p.stats.allocTimeS).toBeCloseTo(64 * (25.0 + 17.8) * us, 12);
    // The pool is created up front: 8 groups x 64 pages x cuMemCreate 8.8 us, outside the stats.
    expect(p.setupTimeS).toBeCloseTo(8 * 64 * 8.8 * us, 12);
  });

  it('prefers a free slot that still has pages mapped and maps nothing for a request that fits them', () => {
    const p = new VAttentionPolicy({ ...ctxFor('llama-3-8b', 10 * 128 * MiB), recordOps: true }, { maxBatch: 4, lookaheadTokens: 0 }); // exact reuse, no look-ahead group
    p.admit(0, 3000); // 3 groups in slot 0
    p.admit(1, 10); // slot 1
    p.release(0);
    expect(p.snapshot().cachedBytes).toBe(3 * 128 * MiB);
    p.takeOps();
    const before = p.stats.allocOps;
    expect(p.admit(2, 1500)).toBe(true);
    expect(p.slotOf(2)).toBe(0);
    expect(p.stats.allocOps).toBe(before);
    expect(p.takeOps()).toEqual([{ op: 'assignSlot', requestId: 2, slot: 0, part: 'kv' }]);
    // Needs 2 groups, inherited 3: one group is an inherited extra, counted as cached, not fragmentation.
    const s = p.snapshot();
    expect(s.cachedBytes).toBe(128 * MiB);
    // Waste: request 2 uses 1500 of 2048 tokens, request 1 uses 10 of 1024.
    expect(s.fragmentationBytes).toBe((2048 - 1500 + (1024 - 10)) * 128 * KiB);
    expect(p.tokenCapacity(2)).toBe(3072);
    p.checkInvariants();
  });

  it('reclaims under pressure from the oldest free slot first, then from running surplus', () => {
    const p = new VAttentionPolicy({ ...ctxFor('llama-3-8b', 6 * 128 * MiB), recordOps: true }, { maxBatch: 4, lookaheadTokens: 0 }); // exact reclaim order, no look-ahead group
    p.admit(0, 2048); // slot 0: 2 groups
    p.admit(1, 2048); // slot 1: 2 groups
    p.admit(2, 1024); // slot 2: 1 group; pool now has 1 free
    p.release(1); // slot 1 cached (older)
    p.release(0); // slot 0 cached (newer, preferred for reuse)
    p.takeOps();
    // A 4-group request: reuses slot 0 (2 groups), takes the free group, reclaims 1 from slot 1 (oldest).
    expect(p.admit(3, 4096)).toBe(true);
    expect(p.slotOf(3)).toBe(0);
    expect(p.takeOps()).toEqual([
      { op: 'assignSlot', requestId: 3, slot: 0, part: 'kv' },
      { op: 'unmapPages', slot: 1, firstPage: 1, count: 1 },
      { op: 'mapPages', requestId: 3, slot: 0, firstPage: 2, count: 2 },
    ]);
    expect(p.snapshot().freeBytes).toBe(0);
    // Now only slot 1's last cached group is reclaimable: a 2-group request fails, a 1-group one fits.
    expect(p.canAdmit(1025)).toBe(false);
    expect(p.admit(4, 1024)).toBe(true);
    expect(p.slotOf(4)).toBe(1);
    p.checkInvariants();
  });

  it('maps eagerPages groups ahead when free pages allow, and counts them apart', () => {
    const p = new VAttentionPolicy(ctxFor('llama-3-8b', 4 * 128 * MiB), { eagerPages: 2, maxBatch: 2 });
    p.admit(0, 100);
    let s = p.snapshot();
    expect(s.allocatedBytes).toBe(3 * 128 * MiB);
    expect(s.eagerBytes).toBe(2 * 128 * MiB);
    expect(p.tokenCapacity(0)).toBe(3072);
    // A second request takes the last free group, then reclaims one eager group of the first.
    expect(p.admit(1, 2000)).toBe(true);
    s = p.snapshot();
    expect(s.freeBytes).toBe(0);
    expect(s.eagerBytes).toBe(128 * MiB);
    p.checkInvariants();
  });

  it('overlapped mapping looks one token ahead: the group the next token enters is mapped early, as ahead-of-need work', () => {
    // Llama-3-8B, 2 MiB pages: 1024 tokens per group, 64 pages (2L buffers) per group.
    const p = new VAttentionPolicy({ ...ctxFor('llama-3-8b', 8 * 128 * MiB), recordOps: true }, { maxBatch: 2 });
    expect(p.options.lookaheadTokens).toBe(1);
    p.admit(0, 1000); // needs 1 group; token 1001 is still in it: nothing ahead
    expect(p.stats.allocOps).toBe(64);
    expect(p.stats.aheadAllocOps).toBe(0);
    p.grow(0, 1023); // the next token (1024) still fits group 0
    expect(p.stats.aheadAllocOps).toBe(0);
    p.grow(0, 1024); // the next token (1025) enters group 1: mapped now, ahead of need
    expect(p.stats.allocOps).toBe(128);
    expect(p.stats.aheadAllocOps).toBe(64);
    expect(p.stats.aheadAllocTimeS).toBeCloseTo(64 * p.pageCosts.mapS, 15);
    expect(p.snapshot().eagerBytes).toBe(128 * MiB);
    const ops = p.takeOps();
    expect(ops.at(-1)).toEqual({ op: 'mapPages', requestId: 0, slot: 0, firstPage: 1, count: 1 });
    p.grow(0, 1025); // already mapped: no new work
    expect(p.stats.allocOps).toBe(128);
    expect(p.snapshot().eagerBytes).toBe(0);
    // Synchronous mapping has no look-ahead: every map is needed by its own iteration.
    const s = new VAttentionPolicy(ctxFor('llama-3-8b', 8 * 128 * MiB), { maxBatch: 2, mapping: 'sync' });
    s.admit(0, 1024);
    s.grow(0, 1025);
    expect(s.stats.aheadAllocOps).toBe(0);
    p.checkInvariants();
  });

  it('reports its mapping mode for the cost model', () => {
    expect(new VAttentionPolicy(ctxFor('llama-3-8b', 1e9)).allocationMode).toBe('overlapped');
    expect(new VAttentionPolicy(ctxFor('llama-3-8b', 1e9), { mapping: 'sync' }).allocationMode).toBe('sync');
    expect(() => new VAttentionPolicy(ctxFor('llama-3-8b', 1e9), { mapping: 'lazy' as 'sync' })).toThrow(/mapping/);
  });
});

describe('VAttentionPolicy label', () => {
  it('names every non-default mapping choice, so runs of different configurations are told apart', () => {
    const label = (o: ConstructorParameters<typeof VAttentionPolicy>[1]) => new VAttentionPolicy(ctxFor('llama-3-8b', 1e9), o).label;
    expect(label({})).toBe('vattention(page=2MiB)');
    expect(label({ mapping: 'sync' })).toBe('vattention(page=2MiB, sync)');
    expect(label({ lookaheadTokens: 0 })).toBe('vattention(page=2MiB, lookahead=0)');
    expect(label({ pageSizeBytes: 64 * 1024, eagerPages: 2 })).toBe('vattention(page=64KiB, eager=2)');
  });
});
