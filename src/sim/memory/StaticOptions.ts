import { checkInt, checkNumber } from '../../errors.js';
import type { ModelSpec } from '../model/ModelSpec.js';
import type { KvBudgetOptions } from './kvBudget.js';

/** Static reservation (Orca / FasterTransformer) options. */
export interface StaticOptions extends KvBudgetOptions {
  /**
   * Tokens of KV reserved for every request at admission, whatever it ends up using.
   * @defaultValue model.maxContextTokens
   */
  maxContextTokens?: number;
}

export interface ResolvedStaticOptions {
  maxContextTokens: number;
  gpuMemoryUtilization: number;
  activationReserveBytes: number | undefined;
}

/** Fills defaults and validates (messages name the option). */
export function resolveStaticOptions(options: StaticOptions = {}, model: ModelSpec): ResolvedStaticOptions {
  return {
    maxContextTokens: checkInt('maxContextTokens', options.maxContextTokens ?? model.maxContextTokens, 1),
    gpuMemoryUtilization: checkNumber('gpuMemoryUtilization', options.gpuMemoryUtilization ?? 0.9, 0.01, 1),
    activationReserveBytes: options.activationReserveBytes,
  };
}
