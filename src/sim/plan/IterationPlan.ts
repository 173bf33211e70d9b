import type { MemoryOp } from '../memory/MemoryPolicy.js';

/**
 * What the scheduler decided for one iteration. Arrays are reused between iterations by the engine:
 * an executor must copy what it keeps. Entry i describes request `requestIds[i]`.
 */
export interface IterationPlan {
  index: number;
  /** Simulated (or wall) time the iteration starts, seconds. */
  startS: number;
  /** Requests in this iteration (prefill chunks and decodes). */
  batchSize: number;
  requestIds: Int32Array;
  /** New prompt tokens processed for each request this iteration (0 for a pure decode). */
  prefillTokens: Int32Array;
  /** Decode tokens (0 or 1) for each request this iteration. */
  decodeTokens: Int32Array;
  /** Tokens already in the request's KV-cache / state before this iteration. */
  contextTokens: Int32Array;
  /** Allocation operations the memory policy did for this iteration, and their modelled time. */
  allocOps: number;
  allocTimeS: number;
  /** The part of that work mapping memory ahead of need (see AllocationStats.aheadAllocTimeS). */
  aheadAllocOps?: number;
  aheadAllocTimeS?: number;
  /** Concrete memory operations (only when the policy records them: GPU backend). */
  memoryOps: readonly MemoryOp[];
}
