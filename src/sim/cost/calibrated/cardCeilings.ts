import type { HardwareSpec } from '../../hardware/HardwareSpec.js';
import type { CardCeilings } from './CalibrationProfile.js';

/**
 * The ceilings the profile-scaling rule uses for one card: the preset's *measured* device-copy
 * bandwidth and bf16 GEMM rate when its sources say they were measured (h100-sxm-80gb, h200-141gb),
 * else the datasheet's HBM bandwidth and bf16 peak (a100-80gb, whose "measured" fields are stated
 * assumptions). Each figure carries its label, so a scaled profile says what it rests on.
 */
export function cardCeilings(hw: HardwareSpec): CardCeilings {
  // The preset's one source line about the copy bandwidth and GEMM rate (see presets.ts).
  const line = hw.sources.find((s) => /copy bandwidth/i.test(s));
  const measured = line !== undefined && /measured/i.test(line) && !/not measured|assumed/i.test(line);
  const datasheet = hw.sources.find((s) => /datasheet/i.test(s)) ?? 'datasheet (preset sources name none)';
  const i = hw.interconnect;
  return {
    gpu: hw.name,
    bandwidthBytesPerS: measured ? hw.measuredCopyBandwidthBytesPerS : hw.hbmBandwidthBytesPerS,
    bandwidthSource: measured ? `measured: ${line}` : `published HBM bandwidth (${datasheet}); not measured`,
    flopsPerS: measured ? hw.measuredGemmFlopsPerS : hw.peakBf16FlopsPerS,
    flopsSource: measured ? `measured: ${line}` : `published dense bf16 peak (${datasheet}); not measured`,
    ...(i ? { interconnectBytesPerS: i.bandwidthBytesPerS, interconnectSource: `published: ${i.source}` } : {}),
  };
}
