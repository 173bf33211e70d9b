import type { NativeAttentionBenchOptions, NativeAttentionBenchResult, NativeAttentionKernelShape, NativeAttentionRunOptions } from './AttentionNative.js';
import type { NativeCublasStatus, NativeGpuModel, NativeGpuModelConfig } from './NativeGpuModel.js';
import type { NativeXlstmBenchOptions, NativeXlstmBenchResult, NativeXlstmRunOptions } from './XlstmNative.js';

/**
 * The shape of the native addon (native/, built by `npm run build:native`), as src/gpu sees it.
 * Bump {@link NATIVE_ABI_VERSION} together with `abiVersion` in native/addon.cc when it changes.
 * Byte counts are plain numbers (exact below 2^53); device addresses are BigInts.
 */
export const NATIVE_ABI_VERSION = 1;

/**
 * Everything the addon exports (native/addon.cc registers it). The memory backend is always there;
 * the optional modules are present exactly when their name is in {@link NativeBinding.modules}
 * (a build without the kernels has none of them), so their members are optional here and callers
 * narrow with attentionNative / xlstmNative / `binding.GpuModel` checks instead of casting.
 */
export interface NativeBinding {
  readonly abiVersion: number;
  /** Whether cuBLAS can be opened here (dlopen at run time, asked on first read; native/cublasApi.cc). */
  readonly hasCublas: boolean;
  /** Native modules this build registered, e.g. ['DeviceInfo', 'VmmArena', 'BlockPool', 'VmmBench', 'GpuModel', 'Attention', 'Xlstm']. */
  readonly modules: string[];
  /** Never throws: driver/runtime versions and device count, or why CUDA is unusable. */
  probe(): NativeProbe;
  deviceInfo(device: number): NativeDeviceInfo;
  /** Free and total device memory after a device synchronize. */
  memInfo(device: number): { freeBytes: number; totalBytes: number };
  VmmArena: new (options: NativeVmmArenaOptions) => NativeVmmArena;
  BlockPool: new (options: NativeBlockPoolOptions) => NativeBlockPool;
  vmmBench(options: NativeVmmBenchOptions): NativeVmmBenchResult;
  vmmOverlapBench(options: NativeVmmOverlapOptions): NativeVmmOverlapResult;

  // Module GpuModel (native/gpuModel.cc).
  readonly GpuModel?: new (config: NativeGpuModelConfig) => NativeGpuModel;
  cublasStatus?(): NativeCublasStatus;
  // Module Attention (native/attentionBinding.cc); see AttentionNative.ts.
  attentionRun?(options: NativeAttentionRunOptions): Uint16Array;
  attentionBench?(options: NativeAttentionBenchOptions): NativeAttentionBenchResult;
  attentionPrefillKernel?(options: NativeAttentionKernelShape): string;
  // Module Xlstm (native/xlstmBinding.cc); see XlstmNative.ts.
  xlstmRun?(options: NativeXlstmRunOptions): Uint16Array;
  xlstmBench?(options: NativeXlstmBenchOptions): NativeXlstmBenchResult;
  xlstmMlstmPrefillAlgorithm?(algorithm: 0 | 1 | 2): string;
  xlstmSlstmStepVariant?(): string;
  xlstmMlstmPrefillWorkspaceBytes?(shape: { batch: number; seqLen: number; heads: number; dqk: number; dv: number; algorithm: 0 | 1 | 2 }): number;
  // Module AllReduce (native/allReduceBench.cc, NCCL through dlopen); see runAllReduceBench.ts.
  ncclStatus?(options?: { library?: string }): NativeNcclStatus;
  allReduceBench?(options: NativeAllReduceBenchOptions): NativeAllReduceBenchResult;
}

/** Whether NCCL opens here (dlopen on first call; later calls report the first answer). */
export interface NativeNcclStatus {
  available: boolean;
  library?: string;
  /** NCCL_VERSION_CODE, e.g. 22703 for 2.27.3. */
  version?: number;
  reason?: string;
}

export interface NativeAllReduceBenchOptions {
  /** GPUs 0..ranks-1, one NCCL rank each, driven from this process. */
  ranks: number;
  sizesBytes: number[];
  /** All-reduces timed back to back per sample. */
  iterations: number;
  repeats: number;
  warmup: number;
  /** A libnccl.so.2 path tried before the default names. */
  library?: string;
}

export interface NativeAllReduceBenchResult {
  library: string;
  ncclVersion: number;
  ranks: number;
  /** Elements read back by the correctness check (all ranks) and how many were wrong. */
  checkElements: number;
  checkMismatches: number;
  /** Per size: microseconds per all-reduce (slowest rank), one sample per repeat. */
  rows: { bytes: number; samplesUs: Float64Array }[];
}

export interface NativeProbe {
  /** 0 when no driver could be loaded. */
  driverVersion: number;
  runtimeVersion: number;
  deviceCount: number;
  error?: { codeName: string; detail: string };
}

export interface NativeDeviceInfo {
  device: number;
  name: string;
  pciBusId: string;
  totalMemoryBytes: number;
  freeMemoryBytes: number;
  smCount: number;
  computeCapability: string;
  l2CacheBytes: number;
  driverVersion: number;
  runtimeVersion: number;
  vmmSupported: boolean;
  vmmGranularityBytes: number;
  vmmRecommendedGranularityBytes: number;
}

export interface NativeVmmArenaOptions {
  device: number;
  buffers: number;
  slots: number;
  slotBytes: number;
  pageBytes: number;
  poolPages: number;
  onDemand: boolean;
  batchedAccess: boolean;
  background: boolean;
}

/** What the driver reports as mapped, page address by page address. */
export interface NativeVmmDeviceView {
  queriedPages: number;
  mappedPages: number;
  readWritePages: number;
  handleMismatches: number;
  bookkeepingMismatches: number;
  /** Mapped pages per slot, summed over all buffers. */
  pagesPerSlot: Int32Array;
  queryS: number;
}

export interface NativeVmmStats {
  creates: number;
  maps: number;
  setAccessCalls: number;
  unmaps: number;
  releases: number;
  createS: number;
  mapS: number;
  setAccessS: number;
  unmapS: number;
  releaseS: number;
}

export interface NativeVmmArena {
  map(slot: number, firstPage: number, count: number): void;
  unmap(slot: number, firstPage: number, count: number): void;
  enqueueMap(slot: number, firstPage: number, count: number): void;
  enqueueUnmap(slot: number, firstPage: number, count: number): void;
  flush(): void;
  queryDevice(): NativeVmmDeviceView;
  verifyAccess(slot: number, firstPage: number, count: number, byte: number): number;
  bufferAddress(buffer: number): bigint;
  counters(): { pagesPerSlot: number; mappedPages: number; createdPages: number; freePoolPages: number };
  stats(): NativeVmmStats;
  destroy(): void;
}

export interface NativeBlockPoolOptions {
  device: number;
  layers: number;
  blocks: number;
  blockBytes: number;
  maxSeqs: number;
  maxBlocksPerSeq: number;
}

export interface NativeBlockPool {
  uploadBlockTable(table: Int32Array, rows: number): void;
  downloadBlockTable(rows: number): Int32Array;
  blockAddress(layer: number, kv: number, block: number): bigint;
  tableAddress(): bigint;
  verifyBlocks(blockIds: Int32Array, byte: number): number;
  destroy(): void;
}

export interface NativeVmmBenchOptions {
  device: number;
  pageBytes: number;
  pages: number;
  runPages: number;
  mallocPages: number;
}

/** Per-call latencies in microseconds, one entry per call. */
export interface NativeVmmBenchResult {
  createUs: Float64Array;
  mapUs: Float64Array;
  setAccessSingleUs: Float64Array;
  unmapSingleUs: Float64Array;
  remapUs: Float64Array;
  /** One entry per run of `runPages` pages. */
  setAccessBatchedUs: Float64Array;
  unmapBatchedUs: Float64Array;
  unmapBatchedError?: string;
  releaseUs: Float64Array;
  cudaMallocUs: Float64Array;
  cudaFreeUs: Float64Array;
  freeBytesBefore: number;
  freeBytesAfter: number;
}

export interface NativeVmmOverlapOptions {
  device: number;
  pageBytes: number;
  buffers: number;
  groups: number;
  busyBytes: number;
  reps: number;
}

export interface NativeVmmOverlapResult {
  busyUs: Float64Array;
  mapSyncUs: Float64Array;
  unmapUs: Float64Array;
  overlappedUs: Float64Array;
  enqueueUs: Float64Array;
  /** From queueing the GPU work until the mapping thread finished (flush returned). */
  flushUs: Float64Array;
  /** Async memsets of busyBytes per rep: sized in a warm-up so GPU work lasts about as long as mapping. */
  memsets: number;
}
