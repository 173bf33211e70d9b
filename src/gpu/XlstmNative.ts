/**
 * The xLSTM part of the native addon (native/xlstmBinding.cc, module `Xlstm`), over the kernels in
 * kernels/xlstm (their C ABI header, xlstm.h, states every layout). Options are validated in
 * TypeScript first (src/gpu/xlstmKernels.ts); the native side only guards misuse.
 */
export interface XlstmNative {
  /**
   * One mLSTM step, mLSTM prefill or sLSTM step on host arrays: returns the output's bits and
   * writes the updated state pool back into the state arrays it was given.
   */
  xlstmRun(options: NativeXlstmRunOptions): Uint16Array;
  /** A timed kernel on device-generated random data (or a device copy, the bandwidth ceiling). */
  xlstmBench(options: NativeXlstmBenchOptions): NativeXlstmBenchResult;
  /**
   * The mLSTM prefill kernel `xlstm_mlstm_prefill` runs for this algorithm value (0 auto, 1
   * sequential, 2 tfla): `sequential`, `tfla`, or for auto the length rule the call applies
   * (`auto: tfla-v2 from N tokens, sequential below`; xlstm.h xlstm_mlstm_prefill_algorithm_name); throws for a value the call refuses. Launches
   * nothing. Optional: addon builds from before it lack it (src/gpu/mlstmPrefillAlgorithm.ts reads
   * that as unknown).
   */
  xlstmMlstmPrefillAlgorithm?(algorithm: 0 | 1 | 2): string;
  /**
   * The sLSTM step variant xlstm_slstm_step runs: `old`, `new`, `new-nopdl`, `coop` or `new-early` (xlstm.h
   * xlstm_slstm_step_variant_name; KVSIM_SLSTM_VARIANT picks); throws when that variable names none.
   * Launches nothing. Optional: addon builds from before it lack it (src/gpu/slstmStepVariant.ts reads
   * that as unknown).
   */
  xlstmSlstmStepVariant?(): string;
  /**
   * xlstm_mlstm_prefill_workspace_bytes (xlstm.h): scratch bytes the call needs for this shape and
   * algorithm (auto resolved by seqLen as the call resolves it; 0 for sequential); throws for a shape or
   * algorithm the call refuses. Host arithmetic only: launches nothing, needs no device.
   */
  xlstmMlstmPrefillWorkspaceBytes?(shape: { batch: number; seqLen: number; heads: number; dqk: number; dv: number; algorithm: 0 | 1 | 2 }): number;
}

export type XlstmKernelKind = 'mlstmStep' | 'mlstmPrefill' | 'slstmStep';

export interface NativeXlstmDims {
  device: number;
  /** 1 = bf16, 2 = fp16 (inputs and outputs). */
  inputDtype: 1 | 2;
  /** 0 = fp32, 1 = bf16 (state pool; m is always fp32). */
  stateDtype: 0 | 1;
  batch: number;
  seqLen: number;
  heads: number;
  dqk: number;
  dv: number;
  headDim: number;
  numSlots: number;
  gateSoftCap: number;
  /** mLSTM prefill kernel: 0 = auto (the C ABI's choice), 1 = sequential, 2 = tfla (chunk-parallel). @defaultValue 0 */
  algorithm?: 0 | 1 | 2;
}

export interface NativeXlstmRunOptions extends NativeXlstmDims {
  kind: XlstmKernelKind;
  slots: Int32Array;
  q?: Uint16Array;
  k?: Uint16Array;
  v?: Uint16Array;
  igatePre?: Float32Array;
  fgatePre?: Float32Array;
  xPre?: Uint16Array;
  R?: Uint16Array;
  bias?: Float32Array;
  /** mLSTM state pool. */
  C?: Float32Array | Uint16Array;
  /** sLSTM state pool. */
  h?: Float32Array | Uint16Array;
  c?: Float32Array | Uint16Array;
  n: Float32Array | Uint16Array;
  m: Float32Array;
}

export interface NativeXlstmBenchOptions extends NativeXlstmDims {
  kind: XlstmKernelKind | 'copy';
  copyBytes: number;
  warmup: number;
  reps: number;
}

export interface NativeXlstmBenchResult {
  medianMs: number;
  minMs: number;
  /** Bytes the kernel must move at least (state read + written, inputs, outputs, weights once). */
  bytes: number;
  /** Floating-point operations (prefill: chunkwise form; sLSTM: the recurrent product). */
  flops: number;
}

/**
 * The xLSTM functions when this addon build registered them (module `Xlstm`), else undefined.
 * Takes any object with the optional members (a NativeBinding, or a fake in tests).
 */
export function xlstmNative<B extends Partial<XlstmNative>>(binding: B): (B & XlstmNative) | undefined {
  return hasXlstm(binding) ? binding : undefined;
}

function hasXlstm<B extends Partial<XlstmNative>>(b: B): b is B & XlstmNative {
  return typeof b.xlstmRun === 'function' && typeof b.xlstmBench === 'function';
}
