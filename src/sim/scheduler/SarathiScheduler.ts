import type { Scheduler } from './Scheduler.js';
import type { SchedulerContext } from './SchedulerContext.js';
import { resolveSchedulerOptions, type ResolvedSchedulerOptions, type SchedulerOptions } from './SchedulerOptions.js';

/**
 * Sarathi-style chunked prefill (stall-free batching): each iteration spends a token budget —
 * decodes first (one token per running request that finished its prefill, oldest first, preempting
 * the newest when one cannot grow), then chunks of prefills in progress, then new admissions, each
 * chunk at most `chunkSizeTokens`. Memory grows chunk by chunk.
 */
export class SarathiScheduler implements Scheduler {
  readonly kind = 'sarathi' as const;
  readonly label: string;
  readonly options: ResolvedSchedulerOptions;

  constructor(options: SchedulerOptions = {}) {
    this.options = resolveSchedulerOptions(options, 'sarathi');
    const o = this.options;
    this.label = `sarathi(tokenBudget=${o.tokenBudget}, chunk=${o.chunkSizeTokens}, maxNumSeqs=${o.maxNumSeqs})`;
  }

  schedule(ctx: SchedulerContext): void {
    const { table: t, waiting, running } = ctx;
    const { maxNumSeqs, chunkSizeTokens } = this.options;
    let budget = this.options.tokenBudget;

    let i = 0;
    while (i < running.length && budget > 0) {
      const s = running.at(i);
      if (t.prefilled[s] < t.prefillTarget[s]) {
        i++;
        continue;
      }
      if (!ctx.growOrPreempt(s, t.kvTokens[s] + 1, true)) break;
      ctx.addDecode(s);
      budget--;
      i++;
    }

    let prefilling = false;
    for (i = 0; i < running.length && budget > 0; i++) {
      const s = running.at(i);
      if (ctx.inBatch(s) || t.prefilled[s] >= t.prefillTarget[s]) continue;
      prefilling = true;
      const chunk = Math.min(t.prefillTarget[s] - t.prefilled[s], chunkSizeTokens, budget);
      // On failure the chunk waits (every request newer than it is already batched), or the request
      // was alone and got dropped (then running is empty and the loop ends).
      if (ctx.growOrPreempt(s, t.prefilled[s] + chunk, false)) {
        ctx.addPrefill(s, chunk);
        budget -= chunk;
      }
    }

    while (waiting.length > 0 && budget > 0 && running.length < maxNumSeqs) {
      const s = waiting.at(0);
      const hit = ctx.prefixHitTokens(s);
      const chunk = Math.min(t.prefillTarget[s] - hit, chunkSizeTokens, budget);
      if (!ctx.admit(s, hit + chunk)) break;
      ctx.addPrefill(s, chunk);
      budget -= chunk;
      prefilling = true;
    }
    if (!prefilling && ctx.plan.batchSize === running.length) ctx.markSteady();
  }
}
