import { UserError } from '../../errors.js';
import type { HardwareSpec } from './HardwareSpec.js';
import { INTERCONNECTS } from './interconnects.js';
import { vmmFacts } from './vmmFacts.js';

const MiB = 1024 * 1024;
const GB = 1e9;

// 48-bit GPU virtual addresses (2^47 usable by a process, per the CUDA VMM docs' typical limit).
const VA_BYTES = 2 ** 47;

const BUILDERS: Record<string, () => HardwareSpec> = {
  'h100-sxm-80gb': () => ({
    name: 'h100-sxm-80gb',
    memoryBytes: 80 * GB,
    hbmBandwidthBytesPerS: 3.35e12,
    measuredCopyBandwidthBytesPerS: 2.99e12,
    peakBf16FlopsPerS: 989e12,
    measuredGemmFlopsPerS: 772e12,
    smCount: 132,
    l2Bytes: 50 * MiB,
    virtualAddressBytes: VA_BYTES,
    vmm: vmmFacts('h100-sxm-80gb'),
    interconnect: INTERCONNECTS.nvlink4(),
    sources: [
      'memory, HBM bandwidth, bf16 peak: NVIDIA H100 SXM datasheet',
      'copy bandwidth 2.99 TB/s (read+write) and GEMM 772 TFLOP/s (bf16 8192^3): measured on H100 SXM (DESIGN.md)',
    ],
  }),
  'h200-141gb': () => ({
    name: 'h200-141gb',
    memoryBytes: 141 * GB,
    hbmBandwidthBytesPerS: 4.8e12,
    measuredCopyBandwidthBytesPerS: 4.3e12,
    peakBf16FlopsPerS: 989e12,
    measuredGemmFlopsPerS: 788e12,
    smCount: 132,
    l2Bytes: 60 * MiB,
    virtualAddressBytes: VA_BYTES,
    vmm: vmmFacts('h200-141gb'),
    interconnect: INTERCONNECTS.nvlink4(),
    sources: [
      'memory, HBM bandwidth, bf16 peak: NVIDIA H200 datasheet',
      'copy bandwidth ~4.3 TB/s and GEMM 788 TFLOP/s (bf16 8192^3): measured on H200 (device KINDS.md, 2026-10-28)',
    ],
  }),
  'a100-80gb': () => ({
    name: 'a100-80gb',
    memoryBytes: 80 * GB,
    hbmBandwidthBytesPerS: 2.039e12,
    // Not measured by kvsim: 90% of datasheet bandwidth and 80% of peak, labelled as assumptions.
    measuredCopyBandwidthBytesPerS: 0.9 * 2.039e12,
    peakBf16FlopsPerS: 312e12,
    measuredGemmFlopsPerS: 0.8 * 312e12,
    smCount: 108,
    l2Bytes: 40 * MiB,
    virtualAddressBytes: VA_BYTES,
    // Not measured on an A100: the H100 measurement stands in (same driver API, same page size).
    vmm: (() => {
      const h100 = vmmFacts('h100-sxm-80gb');
      return { ...h100, source: `assumed equal to the H100 measurement (no A100 measured): ${h100.source}` };
    })(),
    interconnect: INTERCONNECTS.nvlink3(),
    sources: [
      'memory, HBM bandwidth, bf16 peak: NVIDIA A100 80GB SXM datasheet',
      'copy bandwidth and GEMM rate: assumed 90% / 80% of datasheet (not measured)',
    ],
  }),
};

const ALIASES: Record<string, string> = {
  h100: 'h100-sxm-80gb',
  'h100-sxm': 'h100-sxm-80gb',
  h200: 'h200-141gb',
  a100: 'a100-80gb',
};

export const HARDWARE_PRESET_NAMES: readonly string[] = Object.keys(BUILDERS);

/** A fresh copy of a GPU preset by name or alias (h100, h200, a100). */
export function hardwarePreset(name: string): HardwareSpec {
  const key = name.toLowerCase();
  const build = BUILDERS[ALIASES[key] ?? key];
  if (!build) {
    throw new UserError('UNKNOWN_GPU', `Unknown GPU "${name}": expected one of ${[...Object.keys(ALIASES), ...HARDWARE_PRESET_NAMES].join(', ')}`);
  }
  return build();
}
