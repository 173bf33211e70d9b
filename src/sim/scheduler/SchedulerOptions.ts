import { checkInt, expected } from '../../errors.js';
import type { SchedulerKind } from './Scheduler.js';

/** Options every scheduler understands (each ignores the ones it has no use for). */
export interface SchedulerOptions {
  /**
   * Most requests running (holding memory) at once — vLLM's max_num_seqs.
   * @defaultValue 256 (vLLM's default)
   */
  maxNumSeqs?: number;
  /**
   * Most tokens in one iteration for vLLM and Orca (whole prompts; a longer prompt is dropped, as
   * vLLM ignores it) — vLLM's max_num_batched_tokens.
   * @defaultValue 8192 (vLLM without chunked prefill: max(max_model_len, 2048), 8192 for Llama-3-8B)
   */
  maxNumBatchedTokens?: number;
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
  tokenBudget: number;
  chunkSizeTokens: number;
}

export const SCHEDULER_KINDS: readonly SchedulerKind[] = ['vllm', 'sarathi', 'orca'];

export function checkSchedulerKind(name: string): SchedulerKind {
  const k = name.toLowerCase();
  if (!(SCHEDULER_KINDS as readonly string[]).includes(k)) throw expected(`one of ${SCHEDULER_KINDS.join(', ')}`, 'scheduler', name);
  return k as SchedulerKind;
}

/** The one place scheduler defaults are filled and checked. */
export function resolveSchedulerOptions(o: SchedulerOptions = {}): ResolvedSchedulerOptions {
  const tokenBudget = checkInt('scheduler: tokenBudget', o.tokenBudget ?? 2048, 1);
  return {
    maxNumSeqs: checkInt('scheduler: maxNumSeqs', o.maxNumSeqs ?? 256, 1),
    maxNumBatchedTokens: checkInt('scheduler: maxNumBatchedTokens', o.maxNumBatchedTokens ?? 8192, 1),
    tokenBudget,
    chunkSizeTokens: checkInt('scheduler: chunkSizeTokens', o.chunkSizeTokens ?? tokenBudget, 1),
  };
}
