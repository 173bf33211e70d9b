import type { InterconnectSpec } from './HardwareSpec.js';

const GB = 1e9;
// NCCL's src/graph/tuning.cc (NVIDIA/nccl 5067397, ncclTunerConstantsDefaults.llMaxBws, one node).
const NCCL_LL_MAX_HOPPER = 141 * GB;
const NCCL_LL_MAX_AMPERE = 87.7 * GB;
const NCCL_LL = 'LL bus-bandwidth cap from NCCL src/graph/tuning.cc llMaxBws (NVIDIA/nccl 5067397)';

/**
 * The interconnects of the hardware presets. Bandwidths are published figures (per GPU, both
 * directions together on the datasheets, halved here to one direction), never measured by kvsim;
 * `kvsim gpu bench allreduce` measures what NCCL reaches on a real host.
 */
export const INTERCONNECTS = {
  /** H100 SXM5 and H200 SXM: 18 NVLink 4 links, 900 GB/s per GPU bidirectional. */
  nvlink4: (): InterconnectSpec => ({
    kind: 'nvlink',
    name: 'NVLink 4 (18 links, NVSwitch)',
    bandwidthBytesPerS: 450 * GB,
    ncclLlMaxBusBytesPerS: NCCL_LL_MAX_HOPPER,
    source: `NVLink 900 GB/s bidirectional per GPU (NVIDIA H100 SXM5 / H200 SXM datasheets), 450 GB/s per direction; ${NCCL_LL}`,
  }),
  /** A100 SXM4: 12 NVLink 3 links, 600 GB/s per GPU bidirectional. */
  nvlink3: (): InterconnectSpec => ({
    kind: 'nvlink',
    name: 'NVLink 3 (12 links, NVSwitch)',
    bandwidthBytesPerS: 300 * GB,
    ncclLlMaxBusBytesPerS: NCCL_LL_MAX_AMPERE,
    source: `NVLink 600 GB/s bidirectional per GPU (NVIDIA A100 80GB SXM datasheet), 300 GB/s per direction; ${NCCL_LL}`,
  }),
  /** Cards without NVLink (PCIe boards): PCIe 5.0 x16, 128 GB/s bidirectional (H100 PCIe datasheet). */
  pcie5: (): InterconnectSpec => ({
    kind: 'pcie',
    name: 'PCIe 5.0 x16',
    bandwidthBytesPerS: 64 * GB,
    ncclLlMaxBusBytesPerS: NCCL_LL_MAX_HOPPER,
    source: `PCIe 5.0 x16 128 GB/s bidirectional (NVIDIA H100 PCIe datasheet), 64 GB/s per direction, peer-to-peer assumed; ${NCCL_LL}`,
  }),
  /** PCIe 4.0 x16, 64 GB/s bidirectional (A100 PCIe datasheet). */
  pcie4: (): InterconnectSpec => ({
    kind: 'pcie',
    name: 'PCIe 4.0 x16',
    bandwidthBytesPerS: 32 * GB,
    ncclLlMaxBusBytesPerS: NCCL_LL_MAX_AMPERE,
    source: `PCIe 4.0 x16 64 GB/s bidirectional (NVIDIA A100 PCIe datasheet), 32 GB/s per direction, peer-to-peer assumed; ${NCCL_LL}`,
  }),
} as const;

export type InterconnectName = keyof typeof INTERCONNECTS;
