import type { Scheduler } from './Scheduler.js';
import type { SchedulerContext } from './SchedulerContext.js';
import { admitWholePrompts, decodeAllRunning } from './wholePrompts.js';
import { resolveSchedulerOptions, type ResolvedSchedulerOptions, type SchedulerOptions } from './SchedulerOptions.js';

/**
 * Orca-style iteration-level batching: every iteration decodes all running requests and admits
 * whole prompts alongside them (FCFS, maxNumSeqs and maxNumBatchedTokens), but admits a request only
 * when the memory for its whole final length (prompt + output) is available now — Orca's static
 * reservation. Under the static policy that reservation is real and nothing is ever preempted; under
 * growing policies it is an admission test, and a request that still cannot grow preempts the newest.
 */
export class OrcaScheduler implements Scheduler {
  readonly kind = 'orca' as const;
  readonly label: string;
  readonly options: ResolvedSchedulerOptions;

  constructor(options: SchedulerOptions = {}) {
    this.options = resolveSchedulerOptions(options, 'orca');
    this.label = `orca(maxNumSeqs=${this.options.maxNumSeqs}, maxNumBatchedTokens=${this.options.maxNumBatchedTokens})`;
  }

  schedule(ctx: SchedulerContext): void {
    const { running } = ctx;
    const { maxNumSeqs, maxNumBatchedTokens } = this.options;
    decodeAllRunning(ctx);
    const admitted = admitWholePrompts(ctx, maxNumSeqs, maxNumBatchedTokens, ctx.plan.batchSize, true) > 0;
    if (!admitted && ctx.plan.batchSize === running.length) ctx.markSteady();
  }
}
