/** Per-page cost of the CUDA virtual-memory calls, in seconds, and where the figures come from. */
export interface VmmCosts {
  /** Physical allocation granularity with the stock driver (cuMemGetAllocationGranularity). */
  granularityBytes: number;
  createS: number;
  mapS: number;
  setAccessS: number;
  unmapS: number;
  releaseS: number;
  /** Page size these per-page costs were measured at. */
  measuredPageBytes: number;
  /** Card, method and date of the measurement. */
  source: string;
}

/**
 * The link between the GPUs of one host that tensor-parallel collectives run over, as the cost model
 * sees it: a per-GPU bandwidth in each direction and the constants NCCL's own tuning model uses for
 * this kind of link (see src/sim/cost/ncclRingTime.ts).
 */
export interface InterconnectSpec {
  /** Selects NCCL's hardware-latency row (NVLink or PCI) and whether the LL128 protocol is enabled. */
  kind: 'nvlink' | 'pcie';
  /** e.g. `NVLink 4 (18 links)`. */
  name: string;
  /**
   * Per-GPU bandwidth in one direction, bytes/s: the bus bandwidth a ring all-reduce can reach at
   * most (nccl-tests' busbw is compared against it). Published, not measured.
   */
  bandwidthBytesPerS: number;
  /**
   * NCCL's cap on the LL protocol's bus bandwidth for this GPU generation on one node, bytes/s
   * (`llMaxBws` in NCCL's src/graph/tuning.cc: Ampere 87.7 GB/s, Hopper 141 GB/s).
   */
  ncclLlMaxBusBytesPerS: number;
  /** Where the bandwidth and constants come from. */
  source: string;
}

/** A GPU as the cost model and the memory policies see it. */
export interface HardwareSpec {
  name: string;
  /** Device memory in bytes (datasheet). */
  memoryBytes: number;
  /** HBM bandwidth from the datasheet, bytes/s. */
  hbmBandwidthBytesPerS: number;
  /** Measured device-to-device copy bandwidth (read + write counted), bytes/s, with source. */
  measuredCopyBandwidthBytesPerS: number;
  /** Dense bf16 tensor-core peak from the datasheet, FLOP/s. */
  peakBf16FlopsPerS: number;
  /** Measured large bf16 GEMM rate, FLOP/s. */
  measuredGemmFlopsPerS: number;
  /** Streaming multiprocessors. */
  smCount: number;
  /** L2 cache in bytes. */
  l2Bytes: number;
  /** GPU virtual address space usable for reservations (cuMemAddressReserve), bytes. */
  virtualAddressBytes: number;
  vmm: VmmCosts;
  /**
   * How this card talks to its peers in one host (tensor parallelism). Absent on hand-made specs:
   * a run at TP > 1 then fails with a message asking for one (no silent zero).
   */
  interconnect?: InterconnectSpec;
  /** Where each figure comes from. */
  sources: string[];
}
