import type { CalibrationProfile } from '../sim/cost/calibrated/CalibrationProfile.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
import { checkMeasuredWith, type MeasuredWithCheck } from './measuredWith.js';
import type { NativeBinding } from './NativeBinding.js';

/**
 * The sLSTM step variant this process's xlstm_slstm_step runs (`old`, `new`, `new-nopdl`, `coop`, `new-early`:
 * kernels/xlstm/slstmStep.cu; KVSIM_SLSTM_VARIANT picks), through the addon. Undefined when the model
 * has no sLSTM layer or the addon cannot say (a build without xlstmSlstmStepVariant). Throws (the
 * addon's error) when KVSIM_SLSTM_VARIANT names no variant: every sLSTM step would fail then.
 */
export function gpuSlstmStepVariant(binding: Pick<NativeBinding, 'xlstmSlstmStepVariant'>, model: ModelSpec): string | undefined {
  if (!model.layers.some((l) => l.kind === 'slstm') || typeof binding.xlstmSlstmStepVariant !== 'function') return undefined;
  return binding.xlstmSlstmStepVariant();
}

/**
 * Compares the sLSTM step variant a profile's slstmStep table was measured with and the one the GPU
 * runs. Undefined when the profile has no slstmStep table. Never refuses: a mismatch is a warning.
 */
export function checkSlstmStepVariant(profile: CalibrationProfile, path: string, gpu: string | undefined): MeasuredWithCheck | undefined {
  if (!profile.slstmStep) return undefined;
  return checkMeasuredWith(profile.slstmStep.variant, gpu, path, { subject: 'sLSTM step', noun: 'variant', field: 'slstmStep.variant' });
}
