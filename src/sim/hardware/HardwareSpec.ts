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
  /** Where each figure comes from. */
  sources: string[];
}
