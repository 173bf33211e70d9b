import type { SchedulerContext } from './SchedulerContext.js';
import type { ResolvedSchedulerOptions } from './SchedulerOptions.js';

import type { SchedulerKind } from './SchedulerKind.js';

export type { SchedulerKind } from './SchedulerKind.js';

/**
 * Decides each iteration's batch: which waiting requests to admit, which running ones to grow or
 * preempt, how many prefill and decode tokens each processes. It talks to the memory policy only
 * through the context (admit/grow/preempt), so the same scheduler runs in the simulator and on the GPU.
 */
export interface Scheduler {
  readonly kind: SchedulerKind;
  /** e.g. `vllm-v1(maxNumSeqs=1024, maxNumBatchedTokens=8192)`. */
  readonly label: string;
  /** Resolved options, for result provenance. */
  readonly options: ResolvedSchedulerOptions;
  /**
   * Plans one iteration into `ctx.plan`. May leave the plan empty only when nothing can run; the
   * engine then resolves the deadlock (preempts the newest running request, or drops an unservable one).
   * Calls `ctx.markSteady()` when the plan is decode-only over every running request and the admission
   * it attempted failed for reasons that hold until memory is released or a request arrives.
   */
  schedule(ctx: SchedulerContext): void;
}
