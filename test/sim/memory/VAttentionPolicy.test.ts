import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { VAttentionPolicy } from '../../../src/sim/memory/VAttentionPolicy.js';
import { ctxFor, KiB, MiB } from './fixtures.js';

const us = 1e-6;
/** Small pages need an assumed per-call cost; tests that only count pages assume 1 µs. */
const small = (pageSizeBytes: number) => ({ pageSizeBytes, assumePageCostS: 1e-6 });

describe('VAttentionPolicy: tokens per page group (vattention.cu init_kv_block_size)', () => {
  // perLayer: pageSize / (Hkv_per_GPU * headDim * bytes); megacache: divided by L as well.
  it.each([
    ['llama-3-8b', 1, 8 * 128 * 2, 64 * KiB, 32],
    ['llama-3-8b', 1, 8 * 128 * 2, 2 * MiB, 1024],
    ['yi-6b', 1, 4 * 128 * 2, 64 * KiB, 64],
    ['yi-6b', 1, 4 * 128 * 2, 2 * MiB, 2048],
    ['llama-3-8b', 2, 4 * 128 * 2, 64 * KiB, 64],
    ['llama-3-8b', 2, 4 * 128 * 2, 2 * MiB, 2048],
    ['yi-34b', 2, 4 * 128 * 2, 64 * KiB, 64],
    ['yi-34b', 2, 4 * 128 * 2, 2 * MiB, 2048],
  ] as const)('%s TP-%i perLayer: %i B per token per buffer, %i-byte pages hold %i tokens', (model, tp, perLayer, page, tokens) => {
    const p = new VAttentionPolicy(ctxFor(model, 10 * 1024 * MiB, tp), page < 2 * MiB ? small(page) : { pageSizeBytes: page });
    expect(p.tokenBytesPerBuffer).toBe(perLayer);
    expect(p.tokensPerGroup).toBe(tokens);
    const layers = model === 'yi-34b' ? 60 : 32;
    expect(p.buffers).toBe(2 * layers);
    expect(p.groupBytes).toBe(2 * layers * page);
    expect(p.groupsFor(tokens)).toBe(1);
    expect(p.groupsFor(tokens + 1)).toBe(2);
  });

  it('megacache: one K and one V buffer over all layers; a 2 MiB page holds 2 MiB / (8*128*2*32) = 32 Llama-3-8B tokens', () => {
    const p = new VAttentionPolicy(ctxFor('llama-3-8b', 1024 * MiB), { layout: 'megacache' });
    expect(p.buffers).toBe(2);
    expect(p.tokenBytesPerBuffer).toBe(8 * 128 * 2 * 32);
    expect(p.tokensPerGroup).toBe(32);
    expect(p.groupBytes).toBe(4 * MiB);
    expect(p.bytesPerToken).toBe(2 * 32 * 8 * 128 * 2);
    // Slot: roundUp(8192 tokens * 64 KiB, 2 MiB) = 512 MiB per buffer, 2 buffers: 1 GiB per slot, as perLayer.
    expect(p.slotBytesPerBuffer).toBe(512 * MiB);
    expect(p.virtualBytes).toBe(256 * 2 * 512 * MiB);
    // Pool: 512 pages, already a multiple of 2L = 64 (utils.h get_num_phys_blocks), 2 pages per group.
    expect(p.poolGroups).toBe(256);
    // A request of 33 tokens wastes 31 tokens of KV, not 991 as with per-layer 2 MiB pages.
    expect(p.admit(0, 33)).toBe(true);
    expect(p.snapshot().fragmentationBytes).toBe(31 * p.bytesPerToken);
    expect(p.stats.allocOps).toBe(4); // 2 groups x (K page + V page)
    p.checkInvariants();
  });
});

describe('VAttentionPolicy: slots and page sizes as the real system', () => {
  it('defaults maxBatch to max_num_seqs (256) and refuses 1000 or more (init_kvcache asserts < 1000)', () => {
    expect(new VAttentionPolicy(ctxFor('llama-3-8b', 1e9)).maxBatch).toBe(256);
    expect(new VAttentionPolicy(ctxFor('llama-3-8b', 1e9), { maxBatch: 999 }).maxBatch).toBe(999);
    expect(() => new VAttentionPolicy(ctxFor('llama-3-8b', 1e9), { maxBatch: 1000 })).toThrow(/maxBatch.*1000/);
  });

  it('fails with a message naming maxBatch and maxContextTokens when the buffers do not fit the VA space', () => {
    // 2^21 tokens x 2 KiB = 4 GiB per buffer per slot, 64 buffers: 256 GiB per slot; 2^47 B hold 512 slots.
    const make = (maxBatch: number) => () => new VAttentionPolicy(ctxFor('llama-3-8b', 1e9), { maxBatch, maxContextTokens: 2 ** 21 });
    expect(make(512)).not.toThrow();
    expect(make(513)).toThrow(UserError);
    expect(make(513)).toThrow(/maxBatch=513 x maxContextTokens=2097152.*at most 512/);
  });

  it('refuses modified-driver pages unless their per-call cost is assumed, and page sizes no driver maps', () => {
    expect(() => new VAttentionPolicy(ctxFor('llama-3-8b', 1e9), { pageSizeBytes: 64 * KiB })).toThrow(/modified UVM driver.*assumePageCostS/);
    for (const bad of [32 * KiB, 96 * KiB, 3 * MiB, 0]) {
      expect(() => new VAttentionPolicy(ctxFor('llama-3-8b', 1e9), { pageSizeBytes: bad, assumePageCostS: 0 })).toThrow(/pageSizeBytes/);
    }
    const p = new VAttentionPolicy(ctxFor('llama-3-8b', 1e9), small(64 * KiB));
    expect(p.pageCosts).toEqual({ mapS: 1e-6, unmapS: 0, createS: 0, basis: 'assumed' });
  });

  it('prices a 2 MiB page at cuMemMap + cuMemSetAccess (H100 preset from profiles/h100-sxm-80gb/vmm.json: 1.54 + 31.948 us) and larger handles at the same flat per-call cost', () => {
    const p = new VAttentionPolicy(ctxFor('llama-3-8b', 1024 * MiB), { mapping: 'sync' });
    expect(p.admit(0, 1)).toBe(true);
    expect(p.stats.allocOps).toBe(64);
    expect(p.stats.allocTimeS).toBeCloseTo(64 * (1.54 + 31.948) * us, 12);
    p.release(0); // sync without deferral: unmapped at once
    expect(p.stats.freeOps).toBe(64);
    expect(p.stats.allocTimeS).toBeCloseTo(64 * (1.54 + 31.948 + 22.16) * us, 12);
    expect(p.setupTimeS).toBeCloseTo(8 * 64 * 12.514 * us, 12);
    const big = new VAttentionPolicy(ctxFor('llama-3-8b', 1024 * MiB), { pageSizeBytes: 8 * MiB });
    expect(big.pageCosts).toEqual({ ...p.pageCosts });
    expect(big.mapGroupS).toBe(p.mapGroupS);
  });

  it('admits only while 1% of the pool stays free after the request (can_allocate watermark)', () => {
    // 200 groups of 128 MiB: watermark int(0.01 * 200) = 2 groups.
    const p = new VAttentionPolicy(ctxFor('llama-3-8b', 200 * 128 * MiB), { maxBatch: 300 });
    expect(p.watermarkGroups).toBe(2);
    let n = 0;
    while (p.admit(n, 1000)) n++;
    expect(n).toBe(198);
    const q = new VAttentionPolicy(ctxFor('llama-3-8b', 200 * 128 * MiB), { maxBatch: 300, watermark: 0 });
    n = 0;
    while (q.admit(n, 1000)) n++;
    expect(n).toBe(200);
  });

  it('picks the slot as alloc_new_batch_idx does: lowest free, else the fewest cached groups that suffice', () => {
    const p = new VAttentionPolicy(ctxFor('llama-3-8b', 20 * 128 * MiB, 1, true), { maxBatch: 4, mapping: 'sync', deferredReclamation: true });
    p.admit(0, 3000); // slot 0: 3 groups
    p.admit(1, 1500); // slot 1: 2 groups
    p.admit(2, 10); // slot 2: 1 group
    p.release(0);
    p.release(1);
    p.takeOps();
    // Free: slot 0 (3 groups), slot 1 (2), slot 3 (0). A 2-group request: start at slot 0, move to slot 1 (2 >= 2, 2 < 3).
    expect(p.admit(3, 2000)).toBe(true);
    expect(p.slotOf(3)).toBe(1);
    expect(p.takeOps()).toEqual([{ op: 'assignSlot', requestId: 3, slot: 1, part: 'kv' }]);
    // Free slots 0 (3 groups) and 3 (0): slot 3 maps too few to move there, so slot 0 (3 groups for 1 needed).
    expect(p.admit(4, 100)).toBe(true);
    expect(p.slotOf(4)).toBe(0);
    p.release(4);
    p.release(2); // slot 2: 1 group cached
    // Free 0 (3 groups), 2 (1), 3 (0): slot 2 suffices with fewer groups than slot 0.
    expect(p.admit(5, 10)).toBe(true);
    expect(p.slotOf(5)).toBe(2);
    p.checkInvariants();
  });

  it('reclaims from the highest slot down, cutting each to its need (reclaim_kvblocks_on_demand)', () => {
    const p = new VAttentionPolicy(ctxFor('llama-3-8b', 6 * 128 * MiB, 1, true), { maxBatch: 4, mapping: 'sync', deferredReclamation: true, watermark: 0 });
    p.admit(0, 2048); // slot 0: 2 groups
    p.admit(1, 1024); // slot 1: 1 group
    p.admit(2, 2048); // slot 2: 2 groups; 1 free
    p.release(0);
    p.release(2);
    p.takeOps();
    // 4 groups for a new request in slot 0 (best fit: slot 0 has 2): needs 2 more, 1 free; reclaim slot 2 (highest) entirely.
    expect(p.admit(3, 4096)).toBe(true);
    expect(p.slotOf(3)).toBe(0);
    expect(p.takeOps()).toEqual([
      { op: 'assignSlot', requestId: 3, slot: 0, part: 'kv' },
      { op: 'unmapPages', slot: 2, firstPage: 0, count: 2 },
      { op: 'mapPages', requestId: 3, slot: 0, firstPage: 2, count: 2 },
    ]);
    expect(p.snapshot().freeBytes).toBe(128 * MiB); // the reclaim overshoots by the rest of slot 2
    p.checkInvariants();
  });
});

describe('VAttentionPolicy: the background step (do_kvcache_memory_management)', () => {
  it('maps the next token\'s group for every request after the plan, as ahead-of-need work', () => {
    const p = new VAttentionPolicy(ctxFor('llama-3-8b', 8 * 128 * MiB, 1, true), { maxBatch: 2 });
    p.admit(0, 1000);
    p.endPlan(); // token 1001..1009 still in group 0: step 1 maps nothing; steps 2..9 reach 1009: nothing
    expect(p.stats.allocOps).toBe(64);
    expect(p.stats.aheadAllocOps).toBe(0);
    p.grow(0, 1016);
    p.endPlan(); // step 9 reaches token 1025: group 1 mapped eagerly
    expect(p.stats.allocOps).toBe(128);
    expect(p.stats.aheadAllocOps).toBe(64);
    expect(p.stats.aheadAllocTimeS).toBeCloseTo(64 * p.pageCosts.mapS, 15);
    expect(p.snapshot().eagerBytes).toBe(128 * MiB);
    p.grow(0, 1025); // already mapped: no new work, no stall
    expect(p.stats.allocOps).toBe(128);
    p.checkInvariants();
  });

  it('stops eager mapping after EAGER_NUM_KVBLOCKS groups but always maps step 1 for everyone', () => {
    // 64 KiB pages (32 tokens per group): four requests one token short of a group boundary.
    const p = new VAttentionPolicy(ctxFor('llama-3-8b', 64 * 4 * MiB), { ...small(64 * KiB), maxBatch: 8 });
    for (let i = 0; i < 4; i++) p.admit(i, 32);
    const mapped = p.stats.allocOps;
    p.endPlan(); // step 1: each needs group 2 for token 33 -> 4 groups; the eager budget (2) is spent
    expect((p.stats.allocOps - mapped) / p.buffers).toBe(4);
    const q = new VAttentionPolicy(ctxFor('llama-3-8b', 64 * 4 * MiB), { ...small(64 * KiB), maxBatch: 8 });
    for (let i = 0; i < 4; i++) q.admit(i, 28); // 4 tokens short: step 5 reaches the boundary
    const m2 = q.stats.allocOps;
    q.endPlan(); // steps 2..4 map nothing; step 5 maps slots 0 and 1, then the budget of 2 stops it
    expect((q.stats.allocOps - m2) / q.buffers).toBe(2);
    expect(q.tokenCapacity(0)).toBe(64);
    expect(q.tokenCapacity(2)).toBe(32);
    q.checkInvariants();
  });

  it('reclaims cached pages in the background when the next step is short of free pages', () => {
    const p = new VAttentionPolicy(ctxFor('llama-3-8b', 3 * 128 * MiB, 1, true), { maxBatch: 4, watermark: 0 });
    p.admit(0, 1024); // slot 0: 1 group (the next token needs a second)
    p.admit(1, 2048); // slot 1: 2 groups; pool full
    p.release(1); // slot 1 cached
    const before = { ...p.stats };
    p.endPlan();
    // Background: reclaim slot 1 (unmap 2 groups), then map group 1 of slot 0: all ahead, none stalls.
    expect(p.stats.freeOps - before.freeOps).toBe(2 * 64);
    expect(p.stats.allocOps - before.allocOps).toBe(64);
    expect(p.stats.aheadAllocOps! - before.aheadAllocOps!).toBe(3 * 64);
    expect(p.stats.allocTimeS - before.allocTimeS).toBeCloseTo(p.stats.aheadAllocTimeS! - before.aheadAllocTimeS!, 15);
    p.grow(0, 1025);
    expect(p.stats.allocOps - before.allocOps).toBe(64); // nothing more, nothing synchronous
    p.checkInvariants();
  });

  it('with deferred reclamation off, trickles one group per idle step from the highest free slot but not the next prefill slot', () => {
    const p = new VAttentionPolicy(ctxFor('llama-3-8b', 8 * 128 * MiB, 1, true), { maxBatch: 4, deferredReclamation: false });
    p.admit(0, 10);
    p.admit(1, 10);
    p.admit(2, 10);
    p.release(0);
    p.release(2);
    p.takeOps();
    p.endPlan();
    expect(p.takeOps()).toEqual([{ op: 'unmapPages', slot: 2, firstPage: 0, count: 1 }]);
    p.endPlan(); // slot 0 is the next prefill slot (lowest free): kept
    expect(p.takeOps()).toEqual([]);
    p.checkInvariants();
  });

  it('sync mapping has no background step', () => {
    const s = new VAttentionPolicy(ctxFor('llama-3-8b', 8 * 128 * MiB), { maxBatch: 2, mapping: 'sync' });
    s.admit(0, 1024);
    s.endPlan();
    s.grow(0, 1025);
    expect(s.stats.aheadAllocOps).toBe(0);
    expect(s.stats.allocOps).toBe(128);
  });
});

describe('VAttentionPolicy snapshot', () => {
  it('counts a free slot that keeps pages as reserved, so reserved >= allocated', () => {
    const p = new VAttentionPolicy(ctxFor('llama-3-8b', 8 * 128 * MiB), { maxBatch: 4 });
    p.admit(0, 3000);
    p.release(0);
    const s = p.snapshot();
    expect(s.requests).toBe(0);
    expect(s.allocatedBytes).toBe(3 * 128 * MiB);
    expect(s.cachedBytes).toBe(3 * 128 * MiB);
    expect(s.reservedBytes).toBe(64 * p.slotBytesPerBuffer);
    expect(s.reservedBytes).toBeGreaterThanOrEqual(s.allocatedBytes);
  });
});

describe('VAttentionPolicy label', () => {
  it('names every non-default mapping choice, so runs of different configurations are told apart', () => {
    const label = (o: ConstructorParameters<typeof VAttentionPolicy>[1]) => new VAttentionPolicy(ctxFor('llama-3-8b', 1e9), o).label;
    expect(label({})).toBe('vattention(page=2MiB)');
    expect(label({ mapping: 'sync' })).toBe('vattention(page=2MiB, sync)');
    expect(label({ layout: 'megacache' })).toBe('vattention(page=2MiB, megacache)');
    expect(label({ eagerSteps: 2 })).toBe('vattention(page=2MiB, eagerSteps=2)');
    expect(label({ deferredReclamation: false })).toBe('vattention(page=2MiB, deferred=false)');
    expect(label({ ...small(64 * KiB), eagerPages: 2 })).toBe('vattention(page=64KiB, eager=2, assumed map 1us)');
  });
});
