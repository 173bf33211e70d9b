import type { BatchPlan } from '../plan/BatchPlan.js';
import type { RequestTable } from '../plan/RequestTable.js';
import type { SlotList } from '../plan/SlotList.js';
import type { MemoryPolicy } from '../memory/MemoryPolicy.js';

/** Why a request is dropped without being served. */
export type DropReason = 'too-long' | 'over-batch-limit' | 'no-memory';

/**
 * What the engine lends a scheduler for one planning step. Mutations of request state go through
 * these methods so the engine's bookkeeping (running list, waiting queue, preemption counts, memory
 * tokens) stays consistent whichever scheduler runs.
 */
export interface SchedulerContext {
  readonly nowS: number;
  readonly table: RequestTable;
  /** Arrived, not running; FCFS, preempted requests at the front. */
  readonly waiting: SlotList;
  /** Holding memory, in admission order (newest at the back). */
  readonly running: SlotList;
  readonly policy: MemoryPolicy;
  readonly plan: BatchPlan;
  /**
   * Moves the front waiting request `slot` to running holding `tokens` tokens, if the policy admits it
   * (canAdmit(checkTokens), watermark included, then admit). Returns false, changing nothing, when it
   * does not. `checkTokens` (default `tokens`) lets a scheduler require room for more than it allocates.
   */
  admit(slot: number, tokens: number, checkTokens?: number): boolean;
  /**
   * Tokens at the start of waiting request `slot`'s content (prefillTarget) that the policy holds
   * cached now and `admit` would reuse: `admit` then starts the request's prefill after them
   * (`table.prefilled` = this), so `tokens` must cover them. 0 without prefix caching.
   */
  prefixHitTokens(slot: number): number;
  /**
   * Grows running request `slot` to `totalTokens`. When memory is short, preempts (by recompute) the
   * newest running request not yet in this iteration's batch, repeatedly; when none is left, preempts
   * `slot` itself if `preemptSelf`, and returns false.
   */
  growOrPreempt(slot: number, totalTokens: number, preemptSelf: boolean): boolean;
  /**
   * vLLM V1's rule (vllm/v1/core/sched/scheduler.py, Scheduler.schedule): grows running request `slot`
   * to `totalTokens`, preempting on failure the last running request ('fcfs') or the latest arrival
   * ('priority': equal priorities), until it fits or the victim is `slot` itself. A victim already in
   * this step's batch (priority only) is taken out of the batch; its tokens are returned by the result.
   * Returns -1 when `slot` itself was preempted (or dropped, alone and never fitting), else the number
   * of batched tokens given back.
   */
  growOrPreemptV1(slot: number, totalTokens: number, policy: 'fcfs' | 'priority'): number;
  /** Adds a prefill chunk of `tokens` tokens of running request `slot` to the batch. */
  addPrefill(slot: number, tokens: number): void;
  /** Adds one decode token of running request `slot` to the batch (memory already grown). */
  addDecode(slot: number): void;
  /** Whether `slot` is already in this iteration's batch. */
  inBatch(slot: number): boolean;
  /** Removes waiting request `slot` for good (it can never be served). */
  drop(slot: number, reason: DropReason): void;
  /** See {@link Scheduler.schedule}. */
  markSteady(): void;
  /** Whether a request was preempted (or a running one dropped) while planning this step. */
  readonly preemptedThisStep: boolean;
}
