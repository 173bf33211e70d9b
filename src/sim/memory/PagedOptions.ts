import { checkInt, checkNumber } from '../../errors.js';
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
   * @defaultValue 0.01
   */
  watermark?: number;
  /**
   * Largest total tokens of one request (vLLM's `max_model_len`).
   * @defaultValue model.maxContextTokens
   */
  maxContextTokens?: number;
}

export interface ResolvedPagedOptions {
  blockSizeTokens: number;
  watermark: number;
  maxContextTokens: number;
  gpuMemoryUtilization: number;
  activationReserveBytes: number | undefined;
}

/** Fills defaults and validates (messages name the option). */
export function resolvePagedOptions(options: PagedOptions = {}, model: ModelSpec): ResolvedPagedOptions {
  return {
    blockSizeTokens: checkInt('blockSizeTokens', options.blockSizeTokens ?? 16, 1, 256),
    watermark: checkNumber('watermark', options.watermark ?? 0.01, 0, 0.5),
    maxContextTokens: checkInt('maxContextTokens', options.maxContextTokens ?? model.maxContextTokens, 1),
    gpuMemoryUtilization: checkNumber('gpuMemoryUtilization', options.gpuMemoryUtilization ?? 0.9, 0.01, 1),
    activationReserveBytes: options.activationReserveBytes,
  };
}
