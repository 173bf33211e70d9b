import type { CalibrationProfile } from '../sim/cost/calibrated/CalibrationProfile.js';
import { attentionLayers, kvHeadsPerGpu } from '../sim/model/derived.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
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
export interface PrefillKernelCheck {
  /** The profile's `prefillAttention.kernel`; null when it does not record one (calibrated before it was recorded). */
  profile: string | null;
  /** What the GPU runs; null when the addon cannot say. */
  gpu: string | null;
  /** One line when the two differ or either is unknown; absent when they match. */
  warning?: string;
}

/**
 * Compares the prefill kernel a profile measured with the one the GPU runs. Undefined when the profile
 * has no prefill attention tables (nothing measured that a kernel change could make stale). Never
 * refuses: a mismatch is a warning, since the comparison may be what the user wants to see.
 */
export function checkPrefillKernel(profile: CalibrationProfile, path: string, gpu: string | undefined): PrefillKernelCheck | undefined {
  if (!profile.prefillAttention) return undefined;
  const measured = profile.prefillAttention.kernel ?? null;
  const runs = gpu ?? null;
  if (measured !== null && measured === runs) return { profile: measured, gpu: runs };
  const was = measured === null ? 'with a kernel it does not record (prefillAttention.kernel absent)' : `with kernel '${measured}'`;
  const now = runs === null ? 'this addon cannot say which kernel this GPU runs (an old build: npm run build:native)' : `this GPU runs '${runs}'`;
  return { profile: measured, gpu: runs, warning: `validate: warning: the profile's prefill attention (${path}) was measured ${was}; ${now} — prefill attention times may differ; re-run kvsim calibrate` };
}
