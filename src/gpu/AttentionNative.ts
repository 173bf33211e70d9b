/**
 * The attention part of the native addon (native/attentionBinding.cc, module `Attention`), over the
 * kernels in kernels/attention (their C ABI header, attention.h, states every layout). Options are
 * validated in TypeScript first (src/gpu/attentionCall.ts); the native side only guards misuse.
 */
export interface AttentionNative {
  /** One kernel call on host arrays already in the device layout; returns the output's bits. */
  attentionRun(options: NativeAttentionRunOptions): Uint16Array;
  /** A timed kernel on device-generated random data (or a device copy, the bandwidth ceiling). */
  attentionBench(options: NativeAttentionBenchOptions): NativeAttentionBenchResult;
  /**
   * The prefill kernel `kvsim_attn_prefill` would launch now for this shape (`tma`, `tmae`, `ws`, `wsl`, `ws2`,
   * `wgmma64`, `wgmma128` or `mma`; attention.h kvsim_attn_prefill_kernel). Launches nothing. Optional:
   * addon builds from before it lack it (src/gpu/prefillAttentionKernel.ts reads that as unknown).
   */
  attentionPrefillKernel?(options: NativeAttentionKernelShape): string;
}

/** What decides the prefill kernel: the shape kvsim_attn_prefill is called with, on which device. */
export interface NativeAttentionKernelShape {
  /** Made current first when given; else the current device. */
  device?: number;
  /** 0 = fp16, 1 = bf16. */
  dtype: 0 | 1;
  numQHeads: number;
  numKvHeads: number;
  headDim: number;
  /** @defaultValue 1 / sqrt(headDim) */
  softmaxScale?: number;
}

export interface NativeAttentionShape {
  device: number;
  /** 0 = fp16, 1 = bf16. */
  dtype: 0 | 1;
  numQHeads: number;
  numKvHeads: number;
  headDim: number;
  softmaxScale: number;
}

export interface NativeAttentionRunOptions extends NativeAttentionShape {
  kind: 'decode' | 'prefill';
  /** 0 = contiguous arena slots, 1 = paged block pool. */
  layout: 0 | 1;
  q: Uint16Array;
  k: Uint16Array;
  v: Uint16Array;
  contextLens: Int32Array;
  slotStrideBytes: number;
  /** Contiguous: bytes between consecutive tokens' rows; 0 = packed (numKvHeads*headDim*2). */
  tokenStrideBytes: number;
  slotOfRequest?: Int32Array;
  blockTable?: Int32Array;
  maxBlocksPerSeq: number;
  blockSizeTokens: number;
  maxContextLen: number;
  numSplits: number;
  cuSeqlensQ?: Int32Array;
  maxQueryLen: number;
  causal: boolean;
}

export interface NativeAttentionBenchOptions extends NativeAttentionShape {
  kind: 'decode' | 'prefill' | 'copy';
  layout: 0 | 1;
  blockSizeTokens: number;
  batch: number;
  contextLen: number;
  queryLen: number;
  causal: boolean;
  copyBytes: number;
  warmup: number;
  reps: number;
}

export interface NativeAttentionBenchResult {
  medianMs: number;
  minMs: number;
  /** Bytes the kernel must move at least (decode: K and V once; copy: read + write). */
  bytes: number;
  /** Floating-point operations (prefill: 4 * heads * headDim per attended query-key pair). */
  flops?: number;
  numSplits?: number;
}

/**
 * The attention functions when this addon build registered them (module `Attention`), else undefined.
 * Takes any object with the optional members (a NativeBinding, or a fake in tests).
 */
export function attentionNative<B extends Partial<AttentionNative>>(binding: B): (B & AttentionNative) | undefined {
  return hasAttention(binding) ? binding : undefined;
}

function hasAttention<B extends Partial<AttentionNative>>(b: B): b is B & AttentionNative {
  return typeof b.attentionRun === 'function' && typeof b.attentionBench === 'function';
}
