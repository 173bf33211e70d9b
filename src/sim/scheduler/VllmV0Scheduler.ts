import type { Scheduler } from './Scheduler.js';
import type { SchedulerContext } from './SchedulerContext.js';
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
    const { table: t, waiting, running } = ctx;
    const { maxNumSeqs, maxNumBatchedTokens } = this.options;
    let tokens = 0;
    while (waiting.length > 0) {
      const s = waiting.at(0);
      const target = t.prefillTarget[s];
      // With prefix caching, cached tokens are neither computed nor counted against the budget.
      const fresh = target - ctx.prefixHitTokens(s);
      if (fresh > maxNumBatchedTokens) {
        ctx.drop(s, 'over-batch-limit');
        continue;
      }
      if (running.length >= maxNumSeqs || tokens + fresh > maxNumBatchedTokens) break;
      if (!ctx.admit(s, target)) break;
      ctx.addPrefill(s, target - t.prefilled[s]);
      tokens += target - t.prefilled[s];
    }
    if (ctx.plan.batchSize > 0) return;

    let i = 0;
    while (i < running.length) {
      const s = running.at(i);
      if (!ctx.growOrPreempt(s, t.kvTokens[s] + 1, true)) break;
      ctx.addDecode(s);
      i++;
    }
    // Admission just failed (or nothing waits) and only a release or an arrival can change that.
    if (ctx.plan.batchSize === running.length) ctx.markSteady();
  }
}
