import type { Scheduler } from './Scheduler.js';
import type { SchedulerContext } from './SchedulerContext.js';
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
    const { table: t, waiting, running } = ctx;
    const { maxNumSeqs, maxNumBatchedTokens } = this.options;
    let i = 0;
    while (i < running.length) {
      const s = running.at(i);
      if (!ctx.growOrPreempt(s, t.kvTokens[s] + 1, true)) break;
      ctx.addDecode(s);
      i++;
    }
    let tokens = ctx.plan.batchSize;
    let admitted = false;
    while (waiting.length > 0) {
      const s = waiting.at(0);
      const target = t.prefillTarget[s];
      const fresh = target - ctx.prefixHitTokens(s);
      if (fresh > maxNumBatchedTokens) {
        ctx.drop(s, 'over-batch-limit');
        continue;
      }
      if (running.length >= maxNumSeqs || tokens + fresh > maxNumBatchedTokens) break;
      const finalTokens = t.promptTokens[s] + t.outputTokens[s] - 1;
      if (!ctx.admit(s, target, finalTokens)) break;
      ctx.addPrefill(s, target - t.prefilled[s]);
      tokens += target - t.prefilled[s];
      admitted = true;
    }
    if (!admitted && ctx.plan.batchSize === running.length) ctx.markSteady();
  }
}
