import { checkInt, checkNumber, expected } from '../../errors.js';
import type { KvBudgetOptions } from './kvBudget.js';
import type { PagedOptions } from './PagedOptions.js';
import type { RecurrentOptions } from './RecurrentOptions.js';
import type { StaticOptions } from './StaticOptions.js';
import type { VAttentionOptions } from './VAttentionOptions.js';

/** The KV policies a hybrid model's attention layers may use. */
export type AttentionPolicyKind = 'static' | 'paged' | 'vattention';

/** Options of a hybrid (attention + recurrent layers) model's composed policy. */
export interface HybridOptions extends KvBudgetOptions {
  /**
   * Policy for the attention layers' KV-cache.
   * @defaultValue 'paged'
   */
  attention?: AttentionPolicyKind;
  /**
   * Options of the attention part (those of the policy named by `attention`).
   * @defaultValue {}
   */
  attentionOptions?: StaticOptions | PagedOptions | VAttentionOptions;
  /**
   * Options of the recurrent part.
   * @defaultValue {}
   */
  recurrentOptions?: RecurrentOptions;
  /**
   * Fraction of the budget given to the recurrent-state pool; the rest goes to the KV pool.
   * @defaultValue stateBytes / (stateBytes + splitContextTokens * kvBytesPerToken): both pools run
   * out at the same number of requests when every request holds `splitContextTokens` tokens
   */
  recurrentFraction?: number;
  /**
   * Context length the default split is balanced for.
   * @defaultValue 2048
   */
  splitContextTokens?: number;
}

export interface ResolvedHybridOptions {
  attention: AttentionPolicyKind;
  attentionOptions: StaticOptions | PagedOptions | VAttentionOptions;
  recurrentOptions: RecurrentOptions;
  /** undefined = balanced split (see {@link HybridOptions.recurrentFraction}). */
  recurrentFraction: number | undefined;
  splitContextTokens: number;
  gpuMemoryUtilization: number;
  activationReserveBytes: number | undefined;
}

/** Fills defaults and validates (messages name the option). */
export function resolveHybridOptions(options: HybridOptions = {}): ResolvedHybridOptions {
  const attention = options.attention ?? 'paged';
  if (attention !== 'static' && attention !== 'paged' && attention !== 'vattention') {
    throw expected('"static", "paged" or "vattention"', 'attention', attention);
  }
  return {
    attention,
    attentionOptions: options.attentionOptions ?? {},
    recurrentOptions: options.recurrentOptions ?? {},
    recurrentFraction:
      options.recurrentFraction === undefined ? undefined : checkNumber('recurrentFraction', options.recurrentFraction, 0, 1),
    splitContextTokens: checkInt('splitContextTokens', options.splitContextTokens ?? 2048, 1),
    gpuMemoryUtilization: checkNumber('gpuMemoryUtilization', options.gpuMemoryUtilization ?? 0.9, 0.01, 1),
    activationReserveBytes: options.activationReserveBytes,
  };
}
