import type { CalibrationProfile } from '../sim/cost/calibrated/CalibrationProfile.js';
import { attentionLayers, kvHeadsPerGpu } from '../sim/model/derived.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
import { checkMeasuredWith, type MeasuredWithCheck } from './measuredWith.js';
import type { NativeBinding } from './NativeBinding.js';

/**
 * The prefill attention kernel this GPU runs for a model (kvsim_attn_prefill_kernel through the addon),
 * at the shape GpuModel calls it with: bf16, one rank's heads of the first attention layer. Undefined
 * when the model has no attention layer or the addon cannot say (a build without attentionPrefillKernel).
 */
export function gpuPrefillKernel(binding: Pick<NativeBinding, 'attentionPrefillKernel'>, model: ModelSpec, tp: number, device?: number): string | undefined {
  const layer = attentionLayers(model)[0];
  if (!layer || typeof binding.attentionPrefillKernel !== 'function') return undefined;
  return binding.attentionPrefillKernel({
    ...(device !== undefined ? { device } : {}),
    dtype: 1, // GpuModel runs attention in bf16 (native/gpuModelCore.cc)
    numQHeads: layer.heads / tp,
    numKvHeads: kvHeadsPerGpu(layer, tp),
    headDim: layer.headDim,
  });
}

/** Which prefill kernel a profile's tables were measured with beside the one the GPU runs (kvsim validate). */
export type PrefillKernelCheck = MeasuredWithCheck;

/**
 * Compares the prefill kernel a profile measured with the one the GPU runs. Undefined when the profile
 * has no prefill attention tables (nothing measured that a kernel change could make stale). Never
 * refuses: a mismatch is a warning, since the comparison may be what the user wants to see.
 */
export function checkPrefillKernel(profile: CalibrationProfile, path: string, gpu: string | undefined): PrefillKernelCheck | undefined {
  if (!profile.prefillAttention) return undefined;
  return checkMeasuredWith(profile.prefillAttention.kernel, gpu, path, { subject: 'prefill attention', noun: 'kernel', field: 'prefillAttention.kernel' });
}
