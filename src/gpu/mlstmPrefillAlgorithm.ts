import type { CalibrationProfile } from '../sim/cost/calibrated/CalibrationProfile.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
import { checkMeasuredWith, type MeasuredWithCheck } from './measuredWith.js';
import type { NativeBinding } from './NativeBinding.js';

/**
 * The `algorithm` GpuModel passes to xlstm_mlstm_prefill: its args are zero-initialized
 * (native/gpuModelCore.cc for replays, native/gpuModelProfile.cc for calibration), so 0, auto, which
 * the C ABI resolves.
 */
const GPU_MODEL_ALGORITHM = 0;

/**
 * The mLSTM prefill kernel this GPU model runs (xlstm_mlstm_prefill_algorithm_name through the addon,
 * for the value GpuModel passes, auto: its length rule, e.g. `auto: tfla-v2 from 16 tokens, sequential below`). Undefined when the model has no mLSTM layer or
 * the addon cannot say (a build without xlstmMlstmPrefillAlgorithm).
 */
export function gpuMlstmPrefillAlgorithm(binding: Pick<NativeBinding, 'xlstmMlstmPrefillAlgorithm'>, model: ModelSpec): string | undefined {
  if (!model.layers.some((l) => l.kind === 'mlstm') || typeof binding.xlstmMlstmPrefillAlgorithm !== 'function') return undefined;
  return binding.xlstmMlstmPrefillAlgorithm(GPU_MODEL_ALGORITHM);
}

/**
 * Compares the mLSTM prefill algorithm a profile's recurrentPrefill table was measured with and the
 * one the GPU runs. Undefined when the profile has no recurrentPrefill table (nothing measured that an
 * algorithm change could make stale). Never refuses: a mismatch is a warning.
 */
export function checkMlstmPrefillAlgorithm(profile: CalibrationProfile, path: string, gpu: string | undefined): MeasuredWithCheck | undefined {
  if (!profile.recurrentPrefill) return undefined;
  return checkMeasuredWith(profile.recurrentPrefill.algorithm, gpu, path, { subject: 'mLSTM prefill', noun: 'algorithm', field: 'recurrentPrefill.algorithm' });
}
