import type { SchedulerContext } from './SchedulerContext.js';

/**
 * Admits waiting requests front first, each with its whole prompt (vLLM V0 and Orca: no chunking),
 * while fewer than `maxNumSeqs` run and the batch stays within `maxNumBatchedTokens` (`tokens` already
 * in it). Cached prefix tokens are neither computed nor counted against the budget; a prompt that can
 * never fit the budget is dropped ('over-batch-limit'). `reserveFinal` admits only when the request's
 * final length fits now (Orca's static reservation). Returns the prompt tokens added.
 */
export function admitWholePrompts(ctx: SchedulerContext, maxNumSeqs: number, maxNumBatchedTokens: number, tokens: number, reserveFinal: boolean): number {
  const { table: t, waiting, running } = ctx;
  let added = 0;
  while (waiting.length > 0) {
    const s = waiting.at(0);
    const target = t.prefillTarget[s];
    const fresh = target - ctx.prefixHitTokens(s);
    if (fresh > maxNumBatchedTokens) {
      ctx.drop(s, 'over-batch-limit');
      continue;
    }
    if (running.length >= maxNumSeqs || tokens + added + fresh > maxNumBatchedTokens) break;
    if (!ctx.admit(s, target, reserveFinal ? t.promptTokens[s] + t.outputTokens[s] - 1 : target)) break;
    ctx.addPrefill(s, target - t.prefilled[s]);
    added += target - t.prefilled[s];
  }
  return added;
}

/**
 * Decodes running requests oldest first, one token each, preempting the newest when one cannot grow
 * (stopping at the first that preempts itself).
 */
export function decodeAllRunning(ctx: SchedulerContext): void {
  const { table: t, running } = ctx;
  let i = 0;
  while (i < running.length) {
    const s = running.at(i);
    if (!ctx.growOrPreempt(s, t.kvTokens[s] + 1, true)) break;
    ctx.addDecode(s);
    i++;
  }
}
