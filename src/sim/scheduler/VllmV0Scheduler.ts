import type { Scheduler } from './Scheduler.js';
import type { SchedulerContext } from './SchedulerContext.js';
import { admitWholePrompts, decodeAllRunning } from './wholePrompts.js';
import { resolveSchedulerOptions, type ResolvedSchedulerOptions, type SchedulerOptions } from './SchedulerOptions.js';

/**
 * vLLM V0's default scheduling (vllm/core/scheduler.py, Scheduler._schedule_default; removed from vLLM
 * since, kept because the vAttention paper measured against it), no chunked prefill: prefill first — if any
 * waiting request can be admitted (FCFS, stopping at the first that cannot: maxNumSeqs,
 * maxNumBatchedTokens or memory), the iteration prefills the admitted prompts only; otherwise it
 * decodes every running request, growing each by one token oldest first and preempting the newest
 * (recompute) when one cannot grow.
 */
export class VllmV0Scheduler implements Scheduler {
  readonly kind = 'vllm-v0' as const;
  readonly label: string;
  readonly options: ResolvedSchedulerOptions;

  constructor(options: SchedulerOptions = {}) {
    this.options = resolveSchedulerOptions(options, 'vllm-v0');
    this.label = `vllm-v0(maxNumSeqs=${this.options.maxNumSeqs}, maxNumBatchedTokens=${this.options.maxNumBatchedTokens})`;
  }

  schedule(ctx: SchedulerContext): void {
    const { running } = ctx;
    const { maxNumSeqs, maxNumBatchedTokens } = this.options;
    admitWholePrompts(ctx, maxNumSeqs, maxNumBatchedTokens, 0, false);
    if (ctx.plan.batchSize > 0) return;
    decodeAllRunning(ctx);
    // Admission just failed (or nothing waits) and only a release or an arrival can change that.
    if (ctx.plan.batchSize === running.length) ctx.markSteady();
  }
}
