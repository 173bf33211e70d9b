import { describe, expect, it } from 'vitest';
import type { MemoryOp } from '../../src/sim/memory/MemoryPolicy.js';
import { splitPageOps } from '../../src/gpu/splitPageOps.js';

const map = (requestId: number, slot: number, firstPage: number, count: number): MemoryOp => ({ op: 'mapPages', requestId, slot, firstPage, count });
const unmap = (slot: number, firstPage: number, count: number): MemoryOp => ({ op: 'unmapPages', slot, firstPage, count });
const assign = (requestId: number, slot: number): MemoryOp => ({ op: 'assignSlot', requestId, slot, part: 'kv' });

describe('splitPageOps: what an overlapped iteration enacts before its kernels and what goes to the mapping thread', () => {
  it('the background step after the last needed map goes behind the kernels whole and in order, its reclaim included (vattention.cu do_kvcache_memory_management)', () => {
    // Request 5 (slot 0) admitted with a synchronous reclaim of slot 3, then the background step:
    // reclaim slot 2's cached pages, map slot 0's next-token group.
    const ops = [assign(5, 0), unmap(3, 1, 1), map(5, 0, 0, 2), unmap(2, 0, 1), map(5, 0, 2, 1)];
    const { now, background } = splitPageOps(ops, (id) => (id === 5 ? 2 : undefined));
    expect(now).toEqual(ops.slice(0, 3));
    expect(background).toEqual(ops.slice(3));
  });

  it('with nothing needed now, every op is background work', () => {
    const ops = [unmap(4, 0, 2), map(1, 0, 3, 1)];
    expect(splitPageOps(ops, () => 3)).toEqual({ now: [], background: ops });
  });

  it('a map straddling the need is cut: the needed pages now, the rest first in the background', () => {
    const ops = [map(1, 0, 0, 3), map(2, 1, 0, 1), unmap(7, 0, 1)];
    const { now, background } = splitPageOps(ops, (id) => (id === 1 ? 1 : 1));
    expect(now).toEqual([map(1, 0, 0, 1), map(2, 1, 0, 1)]);
    expect(background).toEqual([map(1, 0, 1, 2), unmap(7, 0, 1)]);
  });

  it('an eager map before the cut stays synchronous when a later needed op touches its slot (growth stays contiguous)', () => {
    // Slot 0 gets an eager group, then a synchronous reclaim takes it back to make room for slot 1.
    const ops = [map(1, 0, 1, 1), unmap(0, 1, 1), map(2, 1, 0, 1)];
    const { now, background } = splitPageOps(ops, (id) => (id === 1 ? 1 : 1));
    expect(now).toEqual(ops);
    expect(background).toEqual([]);
  });

  it('keeps every op exactly once, and per slot in the original order (seeded random plans)', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let trial = 0; trial < 200; trial++) {
      const mapped = [0, 0, 0, 0];
      const ops: MemoryOp[] = [];
      for (let k = 0; k < 8; k++) {
        const s = rnd(4);
        if (mapped[s] > 0 && rnd(3) === 0) {
          const c = 1 + rnd(mapped[s]);
          ops.push(unmap(s, mapped[s] - c, c));
          mapped[s] -= c;
        } else {
          const c = 1 + rnd(3);
          ops.push(map(s, s, mapped[s], c));
          mapped[s] += c;
        }
      }
      const need = [rnd(4), rnd(4), rnd(4), rnd(4)];
      const { now, background } = splitPageOps(ops, (id) => need[id]);
      // Now, then background, is a valid sequence (growth and reclaim at each slot's top) ending where
      // the plan ends, with the same pages mapped and unmapped; after `now` every needed page is mapped.
      const replay = (list: MemoryOp[], m = [0, 0, 0, 0]): { m: number[]; maps: number; unmaps: number } => {
        let maps = 0;
        let unmaps = 0;
        for (const o of list) {
          if (o.op === 'mapPages') {
            expect(o.firstPage, `trial ${trial}`).toBe(m[o.slot]);
            m[o.slot] += o.count;
            maps += o.count;
          } else if (o.op === 'unmapPages') {
            expect(o.firstPage + o.count, `trial ${trial}`).toBe(m[o.slot]);
            m[o.slot] = o.firstPage;
            unmaps += o.count;
          }
        }
        return { m, maps, unmaps };
      };
      const afterNow = replay(now);
      const rest = replay(background, [...afterNow.m]);
      const plan = replay(ops);
      expect(rest.m, `trial ${trial}`).toEqual(plan.m);
      expect([afterNow.maps + rest.maps, afterNow.unmaps + rest.unmaps], `trial ${trial}`).toEqual([plan.maps, plan.unmaps]);
      const pagesBelowNeed = (list: MemoryOp[]): Set<string> => {
        const out = new Set<string>();
        for (const o of list) if (o.op === 'mapPages') for (let p = o.firstPage; p < Math.min(need[o.slot], o.firstPage + o.count); p++) out.add(`${o.slot}:${p}`);
        return out;
      };
      const neededNow = pagesBelowNeed(now);
      for (const p of pagesBelowNeed(ops)) expect(neededNow.has(p), `trial ${trial}: needed page ${p} left to the background`).toBe(true);
    }
  });
});
