import { checkNumber } from '../../errors.js';
import type { HardwareSpec } from '../hardware/HardwareSpec.js';

/** Options of {@link RooflineCostModel}. Rates default to the hardware's *measured* ceilings. */
export interface RooflineOptions {
  /**
   * Achievable dense GEMM rate, FLOP/s (peak x efficiency).
   * @defaultValue `hardware.measuredGemmFlopsPerS` (H100: 772 TFLOP/s measured, bf16 8192^3)
   */
  gemmFlopsPerS?: number;
  /**
   * Achievable HBM bandwidth, bytes/s.
   * @defaultValue `hardware.measuredCopyBandwidthBytesPerS` (H100: 2.99 TB/s measured device copy)
   */
  memoryBytesPerS?: number;
  /**
   * Prefill (causal) attention rate as a fraction of the GEMM rate.
   * @defaultValue 0.72 — PyTorch SDPA causal prefill measured at 559 TFLOP/s (4x4096) on an H100 whose
   * bf16 GEMM reaches 772 TFLOP/s (DESIGN.md facts table)
   */
  prefillAttentionEfficiency?: number;
  /**
   * Slowdown of paged prefill attention kernels relative to contiguous ones.
   * @defaultValue 1.37 — FlashAttention-2 paged prefill "up to 37% slower" (vAttention paper)
   */
  pagedPrefillSlowdown?: number;
  /**
   * Slowdown of paged decode attention kernels relative to contiguous ones.
   * @defaultValue 2.8 — vLLM's paged decode kernel "up to 2.8x slower" than FlashAttention-2 (vAttention
   * paper). An upper bound from the literature until a calibration profile replaces it.
   */
  pagedDecodeSlowdown?: number;
  /**
   * Fixed cost per kernel launch, seconds.
   * @defaultValue 3e-6 — an assumption (typical CUDA launch latency), not a kvsim measurement
   */
  launchOverheadS?: number;
  /**
   * CPU time per iteration (scheduling, sampling, Python-side bookkeeping in real servers), seconds.
   * @defaultValue 5e-4 — an assumption, not a kvsim measurement; calibration replaces it
   */
  iterationOverheadS?: number;
  /**
   * Bytes per activation element.
   * @defaultValue 2 (bf16)
   */
  activationBytes?: number;
}

export type ResolvedRooflineOptions = Required<RooflineOptions>;

/** The one place defaults are filled and options validated. */
export function resolveRooflineOptions(hardware: HardwareSpec, options: RooflineOptions = {}): ResolvedRooflineOptions {
  const r: ResolvedRooflineOptions = {
    gemmFlopsPerS: options.gemmFlopsPerS ?? hardware.measuredGemmFlopsPerS,
    memoryBytesPerS: options.memoryBytesPerS ?? hardware.measuredCopyBandwidthBytesPerS,
    prefillAttentionEfficiency: options.prefillAttentionEfficiency ?? 0.72,
    pagedPrefillSlowdown: options.pagedPrefillSlowdown ?? 1.37,
    pagedDecodeSlowdown: options.pagedDecodeSlowdown ?? 2.8,
    launchOverheadS: options.launchOverheadS ?? 3e-6,
    iterationOverheadS: options.iterationOverheadS ?? 5e-4,
    activationBytes: options.activationBytes ?? 2,
  };
  checkNumber('RooflineCostModel: gemmFlopsPerS', r.gemmFlopsPerS, Number.MIN_VALUE);
  checkNumber('RooflineCostModel: memoryBytesPerS', r.memoryBytesPerS, Number.MIN_VALUE);
  checkNumber('RooflineCostModel: prefillAttentionEfficiency', r.prefillAttentionEfficiency, Number.MIN_VALUE, 1);
  checkNumber('RooflineCostModel: pagedPrefillSlowdown', r.pagedPrefillSlowdown, 1);
  checkNumber('RooflineCostModel: pagedDecodeSlowdown', r.pagedDecodeSlowdown, 1);
  checkNumber('RooflineCostModel: launchOverheadS', r.launchOverheadS, 0);
  checkNumber('RooflineCostModel: iterationOverheadS', r.iterationOverheadS, 0);
  checkNumber('RooflineCostModel: activationBytes', r.activationBytes, Number.MIN_VALUE);
  return r;
}
