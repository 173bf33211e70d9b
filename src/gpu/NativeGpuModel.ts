/**
 * The GpuModel part of the native addon (native/gpuModel.cc, module `GpuModel`): the GPU executor's
 * synthetic model. src/gpu/GpuModel.ts validates every option before the addon sees it.
 */
export interface NativeGpuModel {
  run(iteration: NativeGpuIteration): NativeGpuIterationTimes;
  /** Median seconds of one profiled operation (native/gpuModelProfile.cc); `reps` rides in params. */
  time(op: GpuProfileOp, params: Record<string, number>): number;
  deviceBytes(): number;
  destroy(): void;
}

export interface NativeGpuIterationTimes {
  /** GPU time of the iteration's kernels (CUDA events). */
  gpuS: number;
  /** Host wall time from staging to completion (what a serving engine waits). */
  hostS: number;
  /** The iteration ran as a CUDA graph replay (cudaGraphs on and a decode-only batch within the capture sizes). */
  graph?: boolean;
  /** Rows the kernels ran: the capture size the batch was padded to for a graph, else the batch. */
  paddedRows?: number;
  /** Host seconds of a lazy warm-up + capture before this iteration (in neither gpuS nor hostS). */
  captureS?: number;
}

/** One iteration, one row per request (Int32Arrays of equal length; blockTable rows x maxBlocksPerSeq). */
export interface NativeGpuIteration {
  prefill: Int32Array;
  decode: Int32Array;
  context: Int32Array;
  kvSlot?: Int32Array;
  stateSlot?: Int32Array;
  blockTable?: Int32Array;
}

export type GpuProfileOp = 'layerGemm' | 'lmHead' | 'decode' | 'prefill' | 'mlstmStep' | 'mlstmPrefill' | 'slstmStep' | 'slstmPrefill';

/** One layer's shape per GPU: kind 0 = attention (heads, kvHeads, headDim), 1 = mLSTM (heads, dqk, dv), 2 = sLSTM (heads, headDim). */
export type NativeGpuLayerShape =
  | { kind: 0; heads: number; kvHeads: number; headDim: number }
  | { kind: 1; heads: number; dqk: number; dv: number }
  | { kind: 2; heads: number; headDim: number };

/** What `new GpuModel(config)` reads (native/gpuModel.cc, GpuModelWrap's constructor). */
export interface NativeGpuModelConfig {
  device: number;
  hidden: number;
  ffn: number;
  vocab: number;
  layers: NativeGpuLayerShape[];
  maxTokens: number;
  maxBatch: number;
  maxContext: number;
  seed: number;
  /** 0 = contiguous slots, 1 = paged block pool, -1 = no KV-cache. */
  kvLayout: 0 | 1 | -1;
  kBase: bigint[];
  vBase: bigint[];
  slotStrideBytes: number;
  /** Contiguous: bytes between a token's rows; 0 = packed (one layer per buffer). Megacache: L*Hkv*D*2. */
  tokenStrideBytes: number;
  maxBlocksPerSeq: number;
  blockSizeTokens: number;
  stateSlots: number;
  /** Of every recurrent layer's state: 0 = fp32, 1 = bf16. */
  stateDtype: 0 | 1;
  /** 1: decode-only iterations as CUDA graphs (native/gpuModelCore.cc GraphSizeFor); 0 or absent: eager. */
  cudaGraphs?: 0 | 1;
  /** Capture sizes, ascending, each in [1, min(maxBatch, maxTokens)] (with cudaGraphs). */
  graphSizes?: Int32Array;
  /** Contiguous KV: the slot (page 0 mapped, owned by no request) padding rows write (with cudaGraphs). */
  padKvSlot?: number;
  /** Paged KV: the block owned by no request that padding rows write (with cudaGraphs). */
  padBlock?: number;
}

/** cuBLAS as the addon finds it at run time (dlopen; native/cublasApi.cc). */
export interface NativeCublasStatus {
  ok: boolean;
  /** The file that was opened ('' when none). */
  library: string;
  /** Why it is unusable ('' when ok). */
  reason: string;
}
