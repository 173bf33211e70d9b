import { checkNumber, expected } from '../../errors.js';
import { DTYPES, type Dtype } from '../model/dtype.js';
import type { KvBudgetOptions } from './kvBudget.js';

/** Recurrent-state (xLSTM) options. */
export interface RecurrentOptions extends KvBudgetOptions {
  /**
   * Element type of the recurrent state, overriding every recurrent layer's own `stateDtype`.
   * @defaultValue each layer's stateDtype (fp32 for the xLSTM presets, as the reference kernels keep it)
   */
  stateDtype?: Dtype;
}

export interface ResolvedRecurrentOptions {
  stateDtype: Dtype | undefined;
  gpuMemoryUtilization: number;
  activationReserveBytes: number | undefined;
}

/** Fills defaults and validates (messages name the option). */
export function resolveRecurrentOptions(options: RecurrentOptions = {}): ResolvedRecurrentOptions {
  if (options.stateDtype !== undefined && !DTYPES.includes(options.stateDtype)) {
    throw expected(`one of ${DTYPES.join(', ')}`, 'stateDtype', options.stateDtype);
  }
  return {
    stateDtype: options.stateDtype,
    gpuMemoryUtilization: checkNumber('gpuMemoryUtilization', options.gpuMemoryUtilization ?? 0.9, 0.01, 1),
    activationReserveBytes: options.activationReserveBytes,
  };
}
