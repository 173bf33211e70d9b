import { checkInt, checkNumber, expected } from '../../errors.js';
import type { ModelSpec } from '../model/ModelSpec.js';
import type { KvBudgetOptions } from './kvBudget.js';

/** PagedAttention (vLLM) options. */
export interface PagedOptions extends KvBudgetOptions {
  /**
   * Tokens per KV block, in every attention layer (vLLM's `block_size`).
   * @defaultValue 16
   */
  blockSizeTokens?: number;
  /**
   * Fraction of blocks kept free at admission so running requests can grow (vLLM's watermark).
   * @defaultValue 0 under the vllm (V1) scheduler (SchedulerConfig.watermark = 0.0), 0.01 otherwise
   *   (vLLM V0's BlockSpaceManager watermark)
   */
  watermark?: number;
  /**
   * Automatic prefix caching (vLLM's enable_prefix_caching): full blocks keep their content after
   * release and are reused by requests whose prompts start the same way, until evicted.
   * @defaultValue true under the vllm (V1) scheduler (vLLM V1's default), false otherwise
   */
  enablePrefixCaching?: boolean;
  /**
   * Largest total tokens of one request (vLLM's `max_model_len`).
   * @defaultValue model.maxContextTokens
   */
  maxContextTokens?: number;
}

export interface ResolvedPagedOptions {
  blockSizeTokens: number;
  watermark: number;
  enablePrefixCaching: boolean;
  maxContextTokens: number;
  gpuMemoryUtilization: number;
  activationReserveBytes: number | undefined;
}

/** Fills defaults and validates (messages name the option). */
export function resolvePagedOptions(options: PagedOptions = {}, model: ModelSpec, vllmV1 = false): ResolvedPagedOptions {
  const caching = options.enablePrefixCaching ?? vllmV1;
  if (typeof caching !== 'boolean') throw expected('true or false', 'enablePrefixCaching', caching);
  return {
    blockSizeTokens: checkInt('blockSizeTokens', options.blockSizeTokens ?? 16, 1, 256),
    watermark: checkNumber('watermark', options.watermark ?? (vllmV1 ? 0 : 0.01), 0, 0.5),
    enablePrefixCaching: caching,
    maxContextTokens: checkInt('maxContextTokens', options.maxContextTokens ?? model.maxContextTokens, 1),
    gpuMemoryUtilization: checkNumber('gpuMemoryUtilization', options.gpuMemoryUtilization ?? 0.9, 0.01, 1),
    activationReserveBytes: options.activationReserveBytes,
  };
}
