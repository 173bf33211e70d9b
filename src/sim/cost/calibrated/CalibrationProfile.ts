import type { ModelShape } from './ModelShape.js';

/**
 * A calibration profile: per-operation times measured on one GPU for one model's shapes
 * (profiles/<gpu>/<model>.json, written by `kvsim calibrate`). Every time is seconds for ONE layer
 * unless the field says otherwise, so the calibrated model multiplies by the layer count it prices.
 */
export interface CalibrationProfile {
  schema: 'kvsim.profile/1';
  /** Device name as the driver reports it, e.g. `NVIDIA H100 80GB HBM3`. */
  card: string;
  /** kvsim hardware preset this card corresponds to (e.g. `h100-sxm-80gb`). */
  gpu: string;
  driver: string;
  cudaRuntime: string;
  /** ISO date of the measurement. */
  date: string;
  model: string;
  tp: number;
  /** KV / state element type the kernels ran with. */
  dtype: string;
  /** How each figure was obtained (events, warm-up, repeats, statistic). */
  method: string;
  /** The command that produced the file (provenance), e.g. `kvsim calibrate --model llama-3-8b`. */
  command?: string;
  /**
   * The model shape the tables were measured for; profiles are matched to models by it (and by `gpu`),
   * not by `model`, which is only a label. A profile without it is used only when named explicitly.
   */
  shape?: ModelShape;
  /** All dense GEMMs of one layer of each kind (QKV/O/MLP, or the recurrent projections + MLP) over N tokens. */
  layerGemm?: Partial<Record<'attention' | 'mlstm' | 'slstm', Table1D>>;
  /** LM head over N sampled rows. */
  lmHead?: Table1D;
  /** Decode attention per layer: a batch of `batch` requests each with `contextTokens` of KV. */
  decodeAttention?: AttentionTables;
  /** Prefill attention per layer for ONE request: `chunkTokens` new queries over `contextTokens` cached. */
  prefillAttention?: PrefillAttentionTables;
  /** Recurrent step per layer over a batch of requests (one token each). */
  recurrentStep?: Table1D;
  /** Recurrent chunkwise prefill per layer for one request of N tokens (mLSTM's), and which algorithm measured it. */
  recurrentPrefill?: RecurrentPrefillTable;
  /** sLSTM step per layer over a batch of requests (one token each), and which variant measured it; recurrentStep is mLSTM's. */
  slstmStep?: SlstmStepTable;
  /** sLSTM prefill per layer for one request of N tokens (one step per token, in order). */
  slstmPrefill?: Table1D;
  /**
   * One all-reduce (NCCL, bf16 sum, in place) over the profile's `tp` GPUs of x bytes, seconds; the
   * tensor-parallel cost model does 2 per layer + 1 per pass of tokens x hidden x 2 bytes
   * (`kvsim gpu bench allreduce`). Required to price communication when `tp` > 1.
   */
  allReduce?: Table1D;
  /** Per-page VMM call costs per page size. */
  vmm?: { pageBytes: number[]; mapS: number[]; setAccessS: number[]; unmapS: number[] };
  /** Fixed per-iteration cost (launches, host work) of the GPU executor. */
  iterationOverheadS?: number;
  /**
   * Per memory policy, what whole iterations cost beyond the sum of the tables (launch gaps, host
   * staging, block-table and slot bookkeeping): a fixed part and a part per allocation operation,
   * fitted on a synthetic calibration replay. Preferred over iterationOverheadS when present.
   */
  enactment?: Record<string, EnactmentFit>;
  /**
   * Present only on a PREDICTED profile (`kvsim calibrate scale`): its tables were not measured on
   * `gpu` but scaled from a profile measured on another card. Never picked by profile auto-selection
   * (findMatchingProfiles); used only when named with --profile, and labelled as predicted wherever
   * its figures are reported ({@link profileOrigin}).
   */
  derivedFrom?: DerivedFrom;
}

/** Where a predicted profile's tables come from, and by which rule (src/sim/cost/calibrated/scaleProfile.ts). */
export interface DerivedFrom {
  /** The measured profile that was scaled, as named on the command line. */
  profile: string;
  /** Its card as the driver reported it, e.g. `NVIDIA H100 80GB HBM3`. */
  card: string;
  /** Its hardware preset. */
  gpu: string;
  /** Its measurement date. */
  date: string;
  /** The scaling rule, in words. */
  rule: string;
  /** The ceilings the rule used for the measured card (`from`) and the predicted one (`to`). */
  ceilings: { from: CardCeilings; to: CardCeilings };
  /** What was kept as measured on the source card, and why. */
  kept: string;
}

/** One card's ceilings as the scaling rule uses them, each with where it comes from. */
export interface CardCeilings {
  gpu: string;
  /** Memory bandwidth, bytes/s (read + write counted when measured by a device copy). */
  bandwidthBytesPerS: number;
  /** `measured: ...` or `published: ...` with the preset's source. */
  bandwidthSource: string;
  /** bf16 dense GEMM rate, FLOP/s. */
  flopsPerS: number;
  flopsSource: string;
  /** Per-GPU interconnect bandwidth in one direction (published), bytes/s, when the preset has one. */
  interconnectBytesPerS?: number;
  interconnectSource?: string;
}

/**
 * How a profile's figures were obtained, for cost-source labels: `measured`, or `predicted from <card>
 * profile (<date>) by roofline scaling` for a profile written by `kvsim calibrate scale`.
 */
export function profileOrigin(p: CalibrationProfile): string {
  return p.derivedFrom ? `predicted from ${p.derivedFrom.card} profile (${p.derivedFrom.date}) by roofline scaling` : 'measured';
}

/**
 * One policy's fitted costs beyond the operation tables. iterationS: every iteration (launch gaps,
 * staging), plus perPrefillTokenS per prefill token. Allocation work of an iteration with n > 0 allocation ops: allocIterationS + perAllocOpS * n
 * (block-table uploads, slot bookkeeping, VMM map/setAccess calls), priced as the policy's allocation
 * (overlapped or synchronous).
 */
export interface EnactmentFit {
  /** Fixed cost per iteration beyond the tables (decodeMedianS floored at 0). */
  iterationS: number;
  /**
   * The median over the calibration replay's decode-only iterations (all iterations when it had none) of
   * measured minus tables, before the floor at 0 (signed; absent in profiles written before this field). Read by no cost model: recorded so a
   * signed eager fit can be judged against validations. Negative: the tables over-price those iterations.
   */
  decodeMedianS?: number;
  /** Extra time per prefill token (glue kernels and copies the single-operation tables leave out). */
  perPrefillTokenS?: number;
  /** Per prompt in a prefill iteration, beyond the tables (absent in profiles fitted before 2026-12-06: 0). */
  perPrefillRequestS?: number;
  allocIterationS: number;
  perAllocOpS: number;
  /**
   * For policies that map no device memory per iteration (static, recurrent): what the GPU executor's
   * own bookkeeping costs in an iteration that admits requests (a fixed part and a part per op).
   * Priced as per-iteration overhead, not as allocation. @defaultValue 0
   */
  harnessIterationS?: number;
  harnessPerOpS?: number;
  /** Iterations the fit saw. */
  iterations: number;
  /**
   * `kvsim calibrate --cuda-graphs`: the fixed per-iteration cost of decode-only iterations run as
   * CUDA graphs (the median over the calibration replay's graph iterations of measured minus tables,
   * the tables priced at the padded batch). Every other part of the fit (prefill, allocation,
   * harness) is the eager one above: those iterations and host work run the same with graphs on.
   */
  cudaGraphs?: CudaGraphFit;
}

/** What decode iterations run as CUDA graphs cost beyond the tables (src/gpu/fitEnactment.ts). */
export interface CudaGraphFit {
  /**
   * Signed: negative when graph iterations run faster than their tables (each table cell was timed with its
   * own launches, which a graph removes). The cost model never lets it take an iteration below zero.
   */
  iterationS: number;
  /** Graph iterations the fit saw. */
  iterations: number;
  /** The capture sizes of the calibration replay (vLLM V1's list, capped at its max batch). */
  captureSizes: number[];
}

/** One attention operation's tables: contiguous slots, and paged by block size in tokens. */
export interface AttentionTables {
  contiguous?: Table2D;
  /**
   * Paged (what the cost model prices paged attention with): block tables shuffled, or ascending
   * where the profile's method string says `blockOrder=ascending`.
   */
  paged?: Record<string, Table2D>;
  /**
   * Paged, block tables ascending (`kvsim calibrate --block-order both`), beside shuffled `paged`: a
   * measurement for comparison; no cost model reads it.
   */
  pagedAscending?: Record<string, Table2D>;
}

/**
 * Prefill attention's tables, and which kernel measured them: the C ABI picks among several prefill
 * kernels (kvsim_attn_prefill_kernel in kernels/attention/attention.h), so the same profile field can
 * hold very different kernels' times.
 */
export interface PrefillAttentionTables extends AttentionTables {
  /**
   * The prefill kernel the tables were measured with, as the addon names it (`tma`, `tmae`, `ws`, `wsl`, `ws2`,
   * `wgmma64`, `wgmma128`, `mma`). Absent in profiles calibrated before it was recorded (read as
   * unrecorded; the committed H100 profiles of 2026-12 ran `wgmma64`, the default then), and when the
   * addon could not say. `kvsim validate` warns when it differs from what the GPU runs.
   */
  kernel?: string;
}

/**
 * mLSTM prefill's table, and which algorithm measured it: xlstm_mlstm_prefill runs one of several
 * kernels (kernels/xlstm/xlstm.h, `algorithm`; auto is resolved by the C ABI), so the same table can
 * hold very different kernels' times.
 */
export interface RecurrentPrefillTable extends Table1D {
  /**
   * The mLSTM prefill kernel the table was measured with, as the addon names it (`sequential`,
   * `tfla-v2` (`tfla` before 2026-12-07), or for what GpuModel passes, auto, its length rule: `auto: tfla-v2 from 16 tokens, sequential
   * below`; xlstm_mlstm_prefill_algorithm_name). Absent in profiles calibrated before it was recorded
   * (read as unrecorded; auto meant `sequential` then), and when the addon could not say. `kvsim validate` warns when it differs from what the GPU runs.
   */
  algorithm?: string;
}

/**
 * sLSTM step's table, and which variant measured it: xlstm_slstm_step runs one of several (slstmStep.cu;
 * KVSIM_SLSTM_VARIANT picks), measured 1.1-2.6x apart on one card (bench/xlstm/NOTES.md, run 6).
 */
export interface SlstmStepTable extends Table1D {
  /**
   * The variant the table was measured with, as the addon names it (`old`, `new`, `new-nopdl`, `coop`, `new-early`;
   * xlstm_slstm_step_variant_name). Absent in profiles calibrated before it was recorded (read as
   * unrecorded; `old` was the only code then), and when the addon could not say. `kvsim validate` warns
   * when it differs from what the GPU runs.
   */
  variant?: string;
}

/** y measured at increasing x. */
export interface Table1D {
  x: number[];
  timeS: number[];
  /** Name of x, for messages (e.g. `tokens`, `batch`). */
  xName: string;
}

/** timeS[i][j] measured at (a[i], b[j]), both increasing. */
export interface Table2D {
  a: number[];
  b: number[];
  timeS: number[][];
  aName: string;
  bName: string;
}
