import type { Scheduler } from './Scheduler.js';
import type { SchedulerContext } from './SchedulerContext.js';
import { resolveSchedulerOptions, type ResolvedSchedulerOptions, type SchedulerDefaultsContext, type SchedulerOptions } from './SchedulerOptions.js';

/**
 * vLLM V1's scheduler as it ships (vllm/v1/core/sched/scheduler.py, Scheduler.schedule; read at
 * commit 003df29 of vllm-project/vllm): one token budget per step (max_num_batched_tokens), spent
 *
 * 1. on the running requests in running order, decodes and partial prefills alike: each gets what it
 *    still has to compute (1 for a decode), capped by long_prefill_token_threshold and by what is left
 *    of the budget; when its KV cannot grow, the last running request (fcfs) or the latest arrival
 *    (priority) is preempted by recompute, repeatedly, until it fits or it is the victim itself, which
 *    ends the running pass;
 * 2. then, only if nothing was preempted in this step, on waiting requests in queue order (preempted
 *    ones at the front) while fewer than max_num_seqs run: the cached prefix is reused
 *    (KVCacheManager.get_computed_blocks), the rest of the content is chunked to what is left of the
 *    budget, and admission requires room for the whole content net of cached blocks
 *    (allocate_slots with full_sequence_must_fit, scheduler_reserve_full_isl on by default since
 *    vLLM PR #37307); the first request that cannot be admitted stops the pass (head-of-line, as vLLM).
 *
 * No watermark (vLLM V1's SchedulerConfig.watermark defaults to 0: kvsim resolves the paged policy's
 * watermark to 0 under this scheduler). Prompts longer than max_model_len never get here: vLLM rejects
 * them at input (InputProcessor._validate_prompt_len), the engine drops them as too-long.
 * Where kvsim differs: async scheduling and speculative decoding are not modelled.
 */
export class VllmScheduler implements Scheduler {
  readonly kind = 'vllm' as const;
  readonly label: string;
  readonly options: ResolvedSchedulerOptions;

  constructor(options: SchedulerOptions = {}, ctx: SchedulerDefaultsContext = {}) {
    this.options = resolveSchedulerOptions(options, 'vllm', ctx);
    const o = this.options;
    const extra = `${o.longPrefillTokenThreshold > 0 ? `, longPrefill=${o.longPrefillTokenThreshold}` : ''}${o.preemptionPolicy !== 'fcfs' ? `, preemption=${o.preemptionPolicy}` : ''}`;
    this.label = `vllm-v1(maxNumSeqs=${o.maxNumSeqs}, maxNumBatchedTokens=${o.maxNumBatchedTokens}${extra})`;
  }

  schedule(ctx: SchedulerContext): void {
    const { table: t, waiting, running } = ctx;
    const { maxNumSeqs, longPrefillTokenThreshold: cap, preemptionPolicy } = this.options;
    let budget = this.options.maxNumBatchedTokens;
    let prefilling = false;

    let i = 0;
    while (i < running.length && budget > 0) {
      const s = running.at(i);
      const partial = t.prefilled[s] < t.prefillTarget[s];
      let n = partial ? t.prefillTarget[s] - t.prefilled[s] : 1;
      if (cap > 0 && n > cap) n = cap;
      if (n > budget) n = budget;
      const given = ctx.growOrPreemptV1(s, partial ? t.prefilled[s] + n : t.kvTokens[s] + 1, preemptionPolicy);
      if (given < 0) break;
      budget += given;
      if (partial) {
        ctx.addPrefill(s, n);
        prefilling = true;
      } else {
        ctx.addDecode(s);
      }
      budget -= n;
      // A victim taken out of the batch (priority) sat before `s`: find `s` again.
      i = given > 0 ? indexOf(running, s) + 1 : i + 1;
    }

    let blocked = waiting.length === 0;
    if (!ctx.preemptedThisStep) {
      while (waiting.length > 0 && budget > 0) {
        if (running.length >= maxNumSeqs) {
          blocked = true;
          break;
        }
        const s = waiting.at(0);
        const hit = ctx.prefixHitTokens(s);
        let n = t.prefillTarget[s] - hit;
        if (cap > 0 && n > cap) n = cap;
        if (n > budget) n = budget;
        if (!ctx.admit(s, hit + n, t.prefillTarget[s])) {
          blocked = true;
          break;
        }
        ctx.addPrefill(s, n);
        budget -= n;
        prefilling = true;
      }
    }
    // Decode-only over every running request, and admission refused for reasons that hold until
    // memory is freed or a request arrives (memory, max_num_seqs) or nothing waits.
    if (!prefilling && blocked && !ctx.preemptedThisStep && ctx.plan.batchSize === running.length) ctx.markSteady();
  }
}

function indexOf(list: { length: number; at(i: number): number }, slot: number): number {
  for (let i = 0; i < list.length; i++) if (list.at(i) === slot) return i;
  return -1;
}
