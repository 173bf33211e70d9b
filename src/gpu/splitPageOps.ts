import type { MemoryOp } from '../sim/memory/MemoryPolicy.js';

/** What an overlapped GPU iteration does with a plan's memory operations. */
export interface SplitPageOps {
  /** Enacted before the iteration's kernels run, and waited for (the allocation stall). */
  now: MemoryOp[];
  /** Handed to the arena's mapping thread after the kernels are launched, in this order. */
  background: MemoryOp[];
}

/**
 * Splits an overlapped vAttention plan's memory operations the way vAttention runs them
 * (github.com/microsoft/vattention, vattention/vattention.cu): step_async waits for the previous
 * background step (wait_kvcache_manager_sync), maps what this iteration needs synchronously
 * (prepare_prefill_kvcache → map_pages_for_curr_step, which reclaims on demand first), then spawns
 * do_kvcache_memory_management on a detached thread (spawn_kvcache_manager), which reclaims cached
 * pages (reclaim_kvblocks_on_demand) and maps ahead (grow_kvcache_phys with sync=false) *in that
 * order, on the same thread*, while the GPU computes. So a reclaim done to make room for look-ahead
 * is background work, and only what the iteration itself reads is on the critical path.
 *
 * The policy emits the synchronous part first (admit/grow: reclaim-then-map of needed pages) and the
 * background step after it (VAttentionPolicy.endPlan). The cut is therefore after the last page op
 * the iteration needs: a map reaching below `neededGroups(requestId)` (a map that straddles the
 * boundary is cut in two). Everything after the cut keeps its order on the mapping thread, unmaps
 * included. Before the cut, a map entirely beyond need (the kvsim eagerPages extension) also goes to
 * the thread, at its front, unless a later op before the cut touches its slot (growth must stay
 * contiguous); deferring a map only leaves more free pages for the ops it is moved past.
 * Slot ownership ops carry no device work: they keep their place (the enactor records them at once).
 *
 * @param neededGroups page groups request `id` reads in this iteration; undefined = not in the
 *   batch (none of its pages are read, so a map for it is needed only if the policy says so: never).
 */
export function splitPageOps(ops: readonly MemoryOp[], neededGroups: (requestId: number) => number | undefined): SplitPageOps {
  const neededCount = (op: Extract<MemoryOp, { op: 'mapPages' }>): number => {
    const need = neededGroups(op.requestId) ?? 0;
    return Math.min(op.count, Math.max(0, need - op.firstPage));
  };
  let cut = -1;
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i];
    if (op.op === 'mapPages' && neededCount(op) > 0) {
      cut = i;
      break;
    }
  }
  const now: MemoryOp[] = [];
  const deferred: MemoryOp[] = [];
  for (let i = 0; i <= cut; i++) {
    const op = ops[i];
    if (op.op !== 'mapPages') {
      now.push(op);
      continue;
    }
    const k = neededCount(op);
    const rest = op.count - k;
    const movable = rest > 0 && !touchesSlot(ops, i + 1, cut, op.slot);
    if (!movable) {
      now.push(op);
      continue;
    }
    if (k > 0) now.push({ ...op, count: k });
    deferred.push({ ...op, firstPage: op.firstPage + k, count: rest });
  }
  return { now, background: deferred.concat(ops.slice(cut + 1)) };
}

/** Whether an op in ops[from..to] works on kv slot `slot`'s pages or ownership. */
function touchesSlot(ops: readonly MemoryOp[], from: number, to: number, slot: number): boolean {
  for (let j = from; j <= to; j++) {
    const o = ops[j];
    if ((o.op === 'mapPages' || o.op === 'unmapPages' || ((o.op === 'assignSlot' || o.op === 'freeSlot') && o.part === 'kv')) && o.slot === slot) return true;
  }
  return false;
}
