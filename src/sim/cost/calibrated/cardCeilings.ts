import type { HardwareSpec } from '../../hardware/HardwareSpec.js';
import type { CardCeilings } from './CalibrationProfile.js';

/** Whether the preset's copy bandwidth and GEMM rate were measured (its sources say so), not assumed. */
export function hasMeasuredCeilings(hw: HardwareSpec): boolean {
  const line = hw.sources.find((s) => /copy bandwidth/i.test(s));
  return line !== undefined && /measured/i.test(line) && !/not measured|assumed/i.test(line);
}

/**
 * The ceilings the profile-scaling rule uses for both cards of a pair, like for like: the presets'
 * *measured* device-copy bandwidth and bf16 GEMM rate when both cards have them (h100-sxm-80gb,
 * h200-141gb), else the datasheet's HBM bandwidth and bf16 peak for both (a measured figure divided by
 * a datasheet one would be biased: H100 -> A100 came out x1.466 where like-for-like gives ~x1.64).
 * Each figure carries its label, so a scaled profile says what it rests on.
 */
export function cardPairCeilings(from: HardwareSpec, to: HardwareSpec): { from: CardCeilings; to: CardCeilings } {
  const measured = hasMeasuredCeilings(from) && hasMeasuredCeilings(to);
  return { from: cardCeilings(from, measured), to: cardCeilings(to, measured) };
}

/** One card's ceilings, measured (`useMeasured`, only where hasMeasuredCeilings) or published. */
export function cardCeilings(hw: HardwareSpec, useMeasured = hasMeasuredCeilings(hw)): CardCeilings {
  // The preset's one source line about the copy bandwidth and GEMM rate (see presets.ts).
  const line = hw.sources.find((s) => /copy bandwidth/i.test(s));
  const measured = useMeasured && hasMeasuredCeilings(hw);
  const datasheet = hw.sources.find((s) => /datasheet/i.test(s)) ?? 'datasheet (preset sources name none)';
  const why = hasMeasuredCeilings(hw) ? 'measured figures exist but the other card has none: like for like' : 'not measured';
  const i = hw.interconnect;
  return {
    gpu: hw.name,
    bandwidthBytesPerS: measured ? hw.measuredCopyBandwidthBytesPerS : hw.hbmBandwidthBytesPerS,
    bandwidthSource: measured ? `measured: ${line}` : `published HBM bandwidth (${datasheet}); ${why}`,
    flopsPerS: measured ? hw.measuredGemmFlopsPerS : hw.peakBf16FlopsPerS,
    flopsSource: measured ? `measured: ${line}` : `published dense bf16 peak (${datasheet}); ${why}`,
    ...(i ? { interconnectBytesPerS: i.bandwidthBytesPerS, interconnectSource: `published: ${i.source}` } : {}),
  };
}
