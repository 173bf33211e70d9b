import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BlockPool } from '../../src/gpu/BlockPool.js';
import { EnactmentError, MemoryEnactor } from '../../src/gpu/MemoryEnactor.js';
import type { VmmArena } from '../../src/gpu/VmmArena.js';
import { hardwarePreset } from '../../src/sim/hardware/presets.js';
import { createPolicy } from '../../src/sim/memory/createPolicy.js';
import type { PagedPolicy } from '../../src/sim/memory/PagedPolicy.js';
import type { VAttentionPolicy } from '../../src/sim/memory/VAttentionPolicy.js';
import { modelPreset } from '../../src/sim/model/presets.js';
import { azureConvHead, azureConvPath } from './checks/azureConvHead.js';
import { driveReplay } from './checks/driveReplay.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** A host-side stand-in for VmmArena that refuses what the driver would (double map, unmap of nothing). */
function fakeArena(slots: number, pagesPerSlot: number) {
  const mapped = new Uint8Array(slots * pagesPerSlot);
  const queue: (() => void)[] = [];
  const map = (s: number, f: number, n: number) => {
    for (let p = f; p < f + n; p++) {
      if (mapped[s * pagesPerSlot + p]) throw new Error(`double map slot ${s} page ${p}`);
      mapped[s * pagesPerSlot + p] = 1;
    }
  };
  const unmap = (s: number, f: number, n: number) => {
    for (let p = f; p < f + n; p++) {
      if (!mapped[s * pagesPerSlot + p]) throw new Error(`unmap of unmapped slot ${s} page ${p}`);
      mapped[s * pagesPerSlot + p] = 0;
    }
  };
  const arena = {
    options: { slots, pagesPerSlot },
    mapPages: map,
    unmapPages: unmap,
    enqueueMap: (s: number, f: number, n: number) => queue.push(() => map(s, f, n)),
    enqueueUnmap: (s: number, f: number, n: number) => queue.push(() => unmap(s, f, n)),
    flush: () => queue.splice(0).forEach((op) => op()),
  };
  const pagesIn = (s: number) => mapped.subarray(s * pagesPerSlot, (s + 1) * pagesPerSlot).reduce((a, b) => a + b, 0);
  return { arena: arena as unknown as VmmArena, pagesIn, pending: () => queue.length };
}

function fakePool(blocks: number, maxSeqs: number, maxBlocksPerSeq: number) {
  let uploaded = new Int32Array(0);
  const pool = {
    options: { blocks, maxSeqs, maxBlocksPerSeq },
    uploadBlockTable: (t: Int32Array, rows: number) => {
      uploaded = t.slice(0, rows * maxBlocksPerSeq);
    },
  };
  return { pool: pool as unknown as BlockPool, uploaded: () => uploaded };
}

const haveTrace = existsSync(azureConvPath());
const requests = () => (haveTrace ? azureConvHead(48) : []).map((r) => ({ ...r, outputTokens: Math.min(r.outputTokens, 256) }));
const ctx = (capacityBytes: number) => ({ model: modelPreset('llama-3-8b'), hardware: hardwarePreset('h100'), tp: 1, capacityBytes, recordOps: true });

describe('MemoryEnactor (host-side arena/pool stand-ins)', () => {
  it.skipIf(!haveTrace)('enacts a vAttention replay of Azure conv: every slot maps what the policy says, in both modes', () => {
    for (const mapping of ['sync', 'overlapped'] as const) {
      const policy = createPolicy('vattention', ctx(2 * GiB), { pageSizeBytes: 2 * MiB, maxBatch: 12, maxContextTokens: 4096, mapping }) as VAttentionPolicy;
      const f = fakeArena(policy.maxBatch, policy.pagesPerSlot);
      const enactor = new MemoryEnactor({ arena: f.arena, mapping });
      let unmaps = 0;
      const stats = driveReplay(policy, requests(), 12, ({ ops }) => {
        enactor.enactOps(ops);
        unmaps += ops.filter((o) => o.op === 'unmapPages').length;
        if (mapping === 'overlapped' && ops.some((o) => o.op === 'mapPages')) expect(f.pending()).toBeGreaterThan(0);
        enactor.finishIteration();
        for (let s = 0; s < policy.maxBatch; s++) {
          expect(f.pagesIn(s)).toBe(policy.mappedGroups(s));
          expect(enactor.groupsPerSlot[s]).toBe(policy.mappedGroups(s));
        }
        expect(enactor.mappedGroups * policy.groupBytes).toBe(policy.snapshot().allocatedBytes);
      });
      expect(stats.finished).toBe(48);
      // 2 GiB = 16 page groups for up to 12 requests: memory pressure forces reclaim and preemption.
      expect(unmaps + stats.preempted).toBeGreaterThan(0);
    }
  });

  it.skipIf(!haveTrace)('enacts a paged replay: the synced device block table covers each running request exactly, and only a sync uploads it', () => {
    const policy = createPolicy('paged', ctx(2 * GiB), { blockSizeTokens: 16, maxContextTokens: 4096 }) as PagedPolicy;
    const width = 4096 / 16;
    const f = fakePool(policy.numBlocks, 12, width);
    const enactor = new MemoryEnactor({ pool: f.pool });
    let changed = 0;
    driveReplay(policy, requests(), 12, ({ ops, running }) => {
      const before = f.uploaded();
      enactor.enactOps(ops);
      // enactOps leaves the device copy alone (the model uploads each batch's rows); a check syncs it.
      expect(f.uploaded()).toBe(before);
      if (enactor.syncDeviceBlockTable() > 0) changed++;
      else expect(ops.some((o) => o.op === 'assignBlocks' || o.op === 'freeBlocks' || o.op === 'shareBlocks')).toBe(false);
      const t = f.uploaded();
      const seen = new Set<number>();
      for (const [id, tokens] of running) {
        const row = enactor.slotOf(id);
        const ids = Array.from(t.subarray(row * width, (row + 1) * width)).filter((b) => b >= 0);
        expect(ids.length).toBe(policy.blocksFor(tokens));
        for (const b of ids) {
          expect(seen.has(b)).toBe(false);
          seen.add(b);
        }
      }
      expect(enactor.assignedBlocks * policy.blockBytes).toBe(policy.snapshot().allocatedBytes);
    });
    expect(changed).toBeGreaterThan(0);
    expect(enactor.syncDeviceBlockTable()).toBe(0);
  });

  it('refuses ops that contradict what it enacted (a policy/device disagreement is a bug)', () => {
    const f = fakeArena(2, 4);
    const e = new MemoryEnactor({ arena: f.arena });
    e.enactOps([{ op: 'assignSlot', requestId: 7, slot: 0, part: 'kv' }]);
    expect(() => e.enactOps([{ op: 'assignSlot', requestId: 8, slot: 0, part: 'kv' }])).toThrow(/held by 7/);
    expect(() => e.enactOps([{ op: 'mapPages', requestId: 7, slot: 0, firstPage: 1, count: 1 }])).toThrow(/contiguous/);
    expect(() => e.enactOps([{ op: 'mapPages', requestId: 9, slot: 1, firstPage: 0, count: 1 }])).toThrow(EnactmentError);
    e.enactOps([{ op: 'mapPages', requestId: 7, slot: 0, firstPage: 0, count: 2 }]);
    expect(() => e.enactOps([{ op: 'unmapPages', slot: 0, firstPage: 0, count: 1 }])).toThrow(/reclaim takes the top/);
    expect(() => e.enactOps([{ op: 'assignBlocks', requestId: 7, blockIds: [1] }])).toThrow(/needs a BlockPool/);
    const p = fakePool(4, 2, 2);
    const pe = new MemoryEnactor({ pool: p.pool });
    pe.enactOps([{ op: 'assignSlot', requestId: 1, slot: 0, part: 'kv' }, { op: 'assignBlocks', requestId: 1, blockIds: [3] }]);
    expect(() => pe.enactOps([{ op: 'freeSlot', requestId: 1, slot: 0, part: 'kv' }])).toThrow(/still holds block 3, which no other request shares/);
    pe.enactOps([{ op: 'assignSlot', requestId: 2, slot: 1, part: 'kv' }]);
    expect(() => pe.enactOps([{ op: 'assignBlocks', requestId: 2, blockIds: [3] }])).toThrow(/held by 1 request/);
    expect(() => pe.enactOps([{ op: 'assignBlocks', requestId: 2, blockIds: [0, 1, 2] }])).toThrow(/maxBlocksPerSeq/);
    // Prefix caching: request 2 shares block 3; request 1 frees its row without freeing the shared block.
    const se = new MemoryEnactor({ pool: fakePool(4, 2, 2).pool });
    se.enactOps([{ op: 'assignSlot', requestId: 1, slot: 0, part: 'kv' }, { op: 'assignBlocks', requestId: 1, blockIds: [3] }]);
    se.enactOps([{ op: 'assignSlot', requestId: 2, slot: 1, part: 'kv' }, { op: 'shareBlocks', requestId: 2, blockIds: [3] }]);
    expect(se.assignedBlocks).toBe(1);
    expect(() => se.enactOps([{ op: 'freeBlocks', requestId: 1, blockIds: [3] }])).toThrow(/not held by 1 alone/);
    se.enactOps([{ op: 'freeSlot', requestId: 1, slot: 0, part: 'kv' }]);
    expect(se.blockTable().table[0]).toBe(-1);
    expect(se.blockTable().table[2]).toBe(3);
    se.enactOps([{ op: 'freeBlocks', requestId: 2, blockIds: [3] }, { op: 'freeSlot', requestId: 2, slot: 1, part: 'kv' }]);
    expect(se.assignedBlocks).toBe(0);
    // Recurrent state slots: ownership only (the state pool is fixed), but still checked.
    pe.enactOps([{ op: 'assignSlot', requestId: 5, slot: 0, part: 'state' }]);
    expect(() => pe.enactOps([{ op: 'assignSlot', requestId: 6, slot: 0, part: 'state' }])).toThrow(/held by 5/);
    expect(() => pe.enactOps([{ op: 'freeSlot', requestId: 6, slot: 0, part: 'state' }])).toThrow(/state 0/);
    pe.enactOps([{ op: 'freeSlot', requestId: 5, slot: 0, part: 'state' }]);
  });
});
