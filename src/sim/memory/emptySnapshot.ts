import type { AllocationStats, MemoryOp, MemorySnapshot } from './MemoryPolicy.js';

/** A zeroed snapshot to write into (callers reuse one in hot loops). */
export function emptySnapshot(): MemorySnapshot {
  return {
    capacityBytes: 0,
    liveBytes: 0,
    allocatedBytes: 0,
    reservedBytes: 0,
    freeBytes: 0,
    fragmentationBytes: 0,
    eagerBytes: 0,
    cachedBytes: 0,
    requests: 0,
  };
}

/** Zeroed cumulative stats. */
export function emptyStats(): AllocationStats {
  return { allocOps: 0, freeOps: 0, allocTimeS: 0, refused: 0, aheadAllocTimeS: 0, aheadAllocOps: 0 };
}

/** The shared "no operations" answer of `takeOps()` (frozen: callers must not push into it). */
export const NO_OPS: MemoryOp[] = Object.freeze([]) as unknown as MemoryOp[];
