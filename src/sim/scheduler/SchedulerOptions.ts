import { checkInt, expected } from '../../errors.js';
import type { SchedulerKind } from './SchedulerKind.js';

/** Which running request a V1 scheduler preempts when memory runs out. */
export type PreemptionPolicy = 'fcfs' | 'priority';

/** Options every scheduler understands (each ignores the ones it has no use for). */
export interface SchedulerOptions {
  /**
   * Most requests running (holding memory) at once — vLLM's max_num_seqs.
   * @defaultValue vllm (V1): 1024 on GPUs with >= 70 GiB that are not A100s (H100, H200), else 256;
   *   others: 256. (vllm/engine/arg_utils.py, EngineArgs._set_default_args, OpenAI API server column:
   *   kvsim replays a serving trace.) Never more than maxNumBatchedTokens.
   */
  maxNumSeqs?: number;
  /**
   * Most tokens in one iteration — vLLM's max_num_batched_tokens. vllm (V1): the one token budget of a
   * step, prompts chunked to fit. vllm-v0 and orca: whole prompts only (a longer prompt is dropped).
   * @defaultValue vllm (V1): 8192 on GPUs with >= 70 GiB that are not A100s, else 2048 (arg_utils.py,
   *   API server); vllm-v0 and orca: 8192 (V0 without chunked prefill: max(max_model_len, 2048)).
   */
  maxNumBatchedTokens?: number;
  /**
   * vllm (V1): most tokens one request's prefill takes in a step (vLLM's long_prefill_token_threshold;
   * 0 = no cap).
   * @defaultValue 0 (vLLM's default when max_num_partial_prefills is 1)
   */
  longPrefillTokenThreshold?: number;
  /**
   * vllm (V1): which running request is preempted when one cannot grow. 'fcfs' preempts the last
   * admitted; 'priority' the one with the largest (priority, arrival time) — traces carry no priority,
   * so all are equal and the latest arrival goes (vllm/v1/core/sched/scheduler.py, Scheduler.schedule).
   * @defaultValue 'fcfs'
   */
  preemptionPolicy?: PreemptionPolicy;
  /**
   * Sarathi: token budget per iteration (decodes count one each).
   * @defaultValue 2048 (vLLM's chunked-prefill default for online serving; Sarathi-Serve uses 512-2048)
   */
  tokenBudget?: number;
  /**
   * Sarathi: largest prefill chunk of one request per iteration.
   * @defaultValue the token budget
   */
  chunkSizeTokens?: number;
}

export interface ResolvedSchedulerOptions {
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  longPrefillTokenThreshold: number;
  preemptionPolicy: PreemptionPolicy;
  tokenBudget: number;
  chunkSizeTokens: number;
}

/** What the defaults depend on besides the options. */
export interface SchedulerDefaultsContext {
  /** Device memory of the GPU, bytes. @defaultValue 80 GiB */
  gpuMemoryBytes?: number;
  /** GPU name (an A100 gets the small defaults whatever its memory, as in vLLM). @defaultValue '' */
  gpuName?: string;
}

export const SCHEDULER_KINDS: readonly SchedulerKind[] = ['vllm', 'vllm-v0', 'sarathi', 'orca'];

export function checkSchedulerKind(name: string): SchedulerKind {
  const k = name.toLowerCase();
  if (!(SCHEDULER_KINDS as readonly string[]).includes(k)) throw expected(`one of ${SCHEDULER_KINDS.join(', ')}`, 'scheduler', name);
  return k as SchedulerKind;
}

/**
 * vLLM V1's batch defaults for the OpenAI API server (vllm/engine/arg_utils.py,
 * EngineArgs._set_default_args / get_batch_defaults): GPUs with at least 70 GiB whose name does not
 * contain "a100" get 8192 tokens and 1024 sequences, the rest 2048 and 256.
 */
export function vllmV1BatchDefaults(ctx: SchedulerDefaultsContext = {}): { maxNumBatchedTokens: number; maxNumSeqs: number } {
  const big = (ctx.gpuMemoryBytes ?? 80 * 2 ** 30) >= 70 * 2 ** 30 && !(ctx.gpuName ?? '').toLowerCase().includes('a100');
  return big ? { maxNumBatchedTokens: 8192, maxNumSeqs: 1024 } : { maxNumBatchedTokens: 2048, maxNumSeqs: 256 };
}

/** The one place scheduler defaults are filled and checked. */
export function resolveSchedulerOptions(o: SchedulerOptions = {}, kind: SchedulerKind = 'vllm', ctx: SchedulerDefaultsContext = {}): ResolvedSchedulerOptions {
  const tokenBudget = checkInt('scheduler: tokenBudget', o.tokenBudget ?? 2048, 1);
  const v1 = kind === 'vllm' ? vllmV1BatchDefaults(ctx) : { maxNumBatchedTokens: 8192, maxNumSeqs: 256 };
  const maxNumBatchedTokens = checkInt('scheduler: maxNumBatchedTokens', o.maxNumBatchedTokens ?? v1.maxNumBatchedTokens, 1);
  const maxNumSeqs = checkInt('scheduler: maxNumSeqs', o.maxNumSeqs ?? (kind === 'vllm' ? Math.min(v1.maxNumSeqs, maxNumBatchedTokens) : v1.maxNumSeqs), 1);
  const preemptionPolicy = o.preemptionPolicy ?? 'fcfs';
  if (preemptionPolicy !== 'fcfs' && preemptionPolicy !== 'priority') throw expected("'fcfs' or 'priority'", 'scheduler: preemptionPolicy', preemptionPolicy);
  return {
    maxNumSeqs,
    maxNumBatchedTokens,
    longPrefillTokenThreshold: checkInt('scheduler: longPrefillTokenThreshold', o.longPrefillTokenThreshold ?? 0, 0),
    preemptionPolicy,
    tokenBudget,
    chunkSizeTokens: checkInt('scheduler: chunkSizeTokens', o.chunkSizeTokens ?? tokenBudget, 1),
  };
}
