import type { CalibrationProfile, Table1D, Table2D } from '../sim/cost/calibrated/CalibrationProfile.js';
import { modelShape } from '../sim/cost/calibrated/ModelShape.js';
import { attentionLayers } from '../sim/model/derived.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
import { expected, KvsimError } from '../errors.js';
import { GpuModel } from './GpuModel.js';
import type { NativeBinding, NativeDeviceInfo } from './NativeBinding.js';
import { gpuMlstmPrefillAlgorithm } from './mlstmPrefillAlgorithm.js';
import { gpuSlstmStepVariant } from './slstmStepVariant.js';
import { gpuPrefillKernel } from './prefillAttentionKernel.js';
import { runAllReduceBench } from './runAllReduceBench.js';

/** The profiling grid. Every axis strictly increasing. */
export interface CalibrationGrid {
  gemmTokens: number[];
  lmHeadRows: number[];
  decodeBatch: number[];
  decodeContext: number[];
  prefillChunk: number[];
  prefillContext: number[];
  pagedBlockSizes: number[];
  recurrentBatch: number[];
  recurrentPrefillTokens: number[];
  /** Timed repetitions per point (median reported). */
  reps: number;
}

/** The default grid: covers what the default schedulers form on an 80 GB GPU (batch <= 256, chunks <= 8192). */
export const DEFAULT_GRID: CalibrationGrid = {
  gemmTokens: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192],
  lmHeadRows: [1, 4, 16, 64, 256],
  decodeBatch: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  decodeContext: [128, 256, 512, 1024, 2048, 4096, 8192, 16384],
  prefillChunk: [16, 64, 256, 1024, 4096, 8192],
  prefillContext: [0, 1024, 4096, 8192],
  // Every block size `kvsim replay --block-size` prices from a measured table (vLLM offers 8..256 in
  // powers of two): a run at a block size the profile lacks fails instead of borrowing another's figures.
  pagedBlockSizes: [8, 16, 32, 64, 128, 256],
  recurrentBatch: [1, 2, 4, 8, 16, 32, 64, 128, 256],
  recurrentPrefillTokens: [16, 64, 256, 1024, 4096],
  reps: 15,
};

/**
 * Which block tables the paged attention tables are measured with. `shuffled`: a random permutation
 * (a long-running pool), as `paged.<block>`. `ascending`: each request's blocks in order (a fresh pool;
 * vLLM V1's FreeKVCacheBlockQueue, vllm/v1/core/kv_cache_utils.py, hands blocks out from its head,
 * in block-id order on a fresh pool), as `paged.<block>` (the profile's method string
 * says so; the enactment fit and the cost model then use them). `both`: shuffled as `paged.<block>`
 * plus ascending as `pagedAscending.<block>`, which no cost model reads (a measurement for comparison).
 */
export type BlockOrder = 'shuffled' | 'ascending' | 'both';
export const BLOCK_ORDERS: readonly BlockOrder[] = ['shuffled', 'ascending', 'both'];

/** `value` if it is one of `choices`; else the one-line error naming `option`. */
function checkChoice<T extends string>(choices: readonly T[], value: unknown, option: string): T {
  if (!choices.includes(value as T)) throw expected(`one of ${choices.join(', ')}`, option, value);
  return value as T;
}

/** Checks a block-order option value; `option` names it in the one-line error. */
export function checkBlockOrder(value: unknown, option = 'blockOrder'): BlockOrder {
  return checkChoice(BLOCK_ORDERS, value, option);
}

/** Checks a calibration-timing option value; `option` names it in the one-line error. */
export function checkCalibrationTiming(value: unknown, option = 'timing'): CalibrationTiming {
  return checkChoice(CALIBRATION_TIMINGS, value, option);
}

export interface CalibrateOptions {
  model: ModelSpec;
  /** kvsim hardware preset name of this card (recorded in the profile). */
  gpu: string;
  tp: number;
  grid?: Partial<CalibrationGrid>;
  device?: number;
  /** The command line that runs this calibration (recorded as the profile's provenance). @defaultValue `kvsim calibrate --model <model> [--tp N] [--block-order <order>]` */
  command?: string;
  /** Block tables of the paged attention tables (see BlockOrder). @defaultValue `'shuffled'` */
  blockOrder?: BlockOrder;
  /**
   * How each timed run starts. `isolated`: the start event, then the operation's launches (the span
   * includes the first launch's latency: ~2-4 us per operation on an H100, which a replay's
   * back-to-back stream hides). `primed`: a {@link PRIME_NS} GPU busy-wait first, so the operation is
   * queued before its start event fires (native/gpuModelProfile.cc Median). @defaultValue `'isolated'`
   */
  timing?: CalibrationTiming;
  /** Called after each measured point (progress). */
  onPoint?: (what: string, done: number, total: number) => void;
}

export type CalibrationTiming = 'isolated' | 'primed';
export const CALIBRATION_TIMINGS: readonly CalibrationTiming[] = ['isolated', 'primed'];
/** The busy-wait before each primed run: longer than the host takes to launch any profiled operation (<= ~10 launches). */
export const PRIME_NS = 50_000;

/**
 * Measures the per-operation times a CalibratedCostModel needs, on this GPU, for one model's shapes:
 * every point event-timed after warm-up, median of `reps` runs, on random (never zero) data.
 * At tp > 1 it also measures the all-reduce table (NCCL over GPUs 0..tp-1, one all-reduce of
 * tokens x hidden x 2 B per `gemmTokens` point; src/gpu/runAllReduceBench.ts), without which a
 * TP profile cannot price communication.
 */
export function calibrate(binding: NativeBinding, info: NativeDeviceInfo, o: CalibrateOptions): CalibrationProfile {
  const g: CalibrationGrid = { ...DEFAULT_GRID, ...o.grid };
  // Checked before the GPU model is created: a bad value costs nothing.
  const blockOrder = checkBlockOrder(o.blockOrder ?? 'shuffled');
  const timing = checkCalibrationTiming(o.timing ?? 'isolated');
  const primeNs = timing === 'primed' ? PRIME_NS : 0;
  // Order of the `paged` tables (0 shuffled, 1 ascending), and whether `pagedAscending` is measured too.
  const pagedOrder = blockOrder === 'ascending' ? 1 : 0;
  const alsoAscending = blockOrder === 'both';
  const pagedTables = alsoAscending ? 2 : 1;
  const hasAttention = attentionLayers(o.model).length > 0;
  const hasMlstm = o.model.layers.some((l) => l.kind === 'mlstm');
  const hasSlstm = o.model.layers.some((l) => l.kind === 'slstm');
  const layerKinds = [hasAttention, hasMlstm, hasSlstm].filter(Boolean).length;
  // Which prefill kernel measures the prefill tables (the C ABI picks among several; KVSIM_ATTN_PREFILL
  // overrides), recorded as prefillAttention.kernel for validate to compare with what the GPU runs then.
  // Asked before anything is created (a failure costs nothing); undefined when the addon cannot say.
  const prefillKernel = hasAttention ? gpuPrefillKernel(binding, o.model, o.tp, o.device ?? 0) : undefined;
  // Likewise the mLSTM prefill kernel GpuModel's auto resolves to (sequential or tfla), as recurrentPrefill.algorithm.
  const mlstmAlgorithm = hasMlstm ? gpuMlstmPrefillAlgorithm(binding, o.model) : undefined;
  // And the sLSTM step variant (KVSIM_SLSTM_VARIANT), as slstmStep.variant.
  const slstmVariant = hasSlstm ? gpuSlstmStepVariant(binding, o.model) : undefined;
  const maxTokens = Math.max(...g.gemmTokens, ...g.recurrentPrefillTokens);
  const model = new GpuModel(binding, {
    model: o.model,
    tp: o.tp,
    maxTokens,
    maxBatch: Math.max(...g.lmHeadRows, ...g.decodeBatch),
    maxContext: Math.max(...g.decodeContext),
    kv: { layout: 'none' },
    stateSlots: hasMlstm || hasSlstm ? Math.max(...g.recurrentBatch) : 0,
    device: o.device,
    profileOnly: true,
  });
  const total =
    g.gemmTokens.length * layerKinds +
    g.lmHeadRows.length +
    (hasAttention ? (1 + pagedTables * g.pagedBlockSizes.length) * (g.decodeBatch.length * g.decodeContext.length + g.prefillChunk.length * g.prefillContext.length) : 0) +
    (hasMlstm ? g.recurrentBatch.length + g.recurrentPrefillTokens.length : 0) +
    (hasSlstm ? g.recurrentBatch.length + g.recurrentPrefillTokens.length : 0) +
    (o.tp > 1 ? 1 : 0);
  let done = 0;
  const time = (what: string, op: Parameters<GpuModel['time']>[0], params: Record<string, number>) => {
    const s = model.time(op, { ...params, reps: g.reps, ...(primeNs > 0 ? { primeNs } : {}) });
    o.onPoint?.(what, ++done, total);
    return s;
  };
  const table1 = (xName: string, xs: number[], f: (x: number) => number): Table1D => ({ x: xs, timeS: xs.map(f), xName });
  const table2 = (aName: string, a: number[], bName: string, b: number[], f: (a: number, b: number) => number): Table2D => ({
    a,
    b,
    timeS: a.map((x) => b.map((y) => f(x, y))),
    aName,
    bName,
  });
  try {
    const profile: CalibrationProfile = {
      schema: 'kvsim.profile/1',
      card: info.name,
      gpu: o.gpu,
      driver: formatVersion(info.driverVersion),
      cudaRuntime: formatVersion(info.runtimeVersion),
      date: new Date().toISOString().slice(0, 10),
      model: o.model.name,
      tp: o.tp,
      dtype: 'bf16',
      // Named from the code's identifiers, so a rename cannot leave the provenance stale.
      method: `CUDA events around each operation, 3 warm-up runs, median of ${g.reps}${primeNs > 0 ? ` primed runs (each after a ${primeNs / 1000} us GPU busy-wait, so its launches are queued before its start event)` : ''}; random bf16 data; ${blockOrderMethod(blockOrder)}; attention cells interleaved (contiguous then every paged variant at one point before the next); kvsim ${GpuModel.name}.${GpuModel.prototype.time.name} (src/gpu/${GpuModel.name}.ts, native/gpuModelProfile.cc)`,
      command: o.command ?? `kvsim calibrate --model ${o.model.name}${o.tp > 1 ? ` --tp ${o.tp}` : ''}${blockOrder !== 'shuffled' ? ` --block-order ${blockOrder}` : ''}${timing !== 'isolated' ? ` --timing ${timing}` : ''}`,
      shape: modelShape(o.model, o.tp),
      layerGemm: {},
      lmHead: table1('rows', g.lmHeadRows, (rows) => time(`lm head ${rows}`, 'lmHead', { rows })),
    };
    if (hasAttention) {
      profile.layerGemm!.attention = table1('tokens', g.gemmTokens, (tokens) => time(`attention-layer GEMMs ${tokens}`, 'layerGemm', { kind: 0, tokens }));
      // order 1 (ascending) is sent only when asked for, so a shuffled calibration makes the same native calls as before.
      const params = (paged: number, blockSize: number, order: number) => ({ paged, blockSize, ...(order ? { blockOrder: order } : {}) });
      const label = (paged: number, blockSize: number, order: number) => (paged ? `paged${blockSize}${order ? ' ascending' : ''}` : 'contiguous');
      // Interleaved: at each (batch, context) or (chunk, context) point, contiguous and then every paged
      // variant are measured one after another, before the next point. Measured table by table (all
      // contiguous cells, then all paged-16 cells, ...), paged decode came out 1.10-1.19x contiguous at
      // batch 2-16 and context >= 2k, reproducibly, while the same native call timed alternately with its
      // contiguous twin gave 1.00-1.02x (bench/gpu/pagedDecodeAB.mjs, H100, 2026-12-06), as did the
      // kernel bench and the replays' decode iterations.
      const variants: [number, number, number][] = [[0, 16, 0], ...g.pagedBlockSizes.map((b): [number, number, number] => [1, b, pagedOrder]), ...(alsoAscending ? g.pagedBlockSizes.map((b): [number, number, number] => [1, b, 1]) : [])];
      const measured = new Map<string, number>();
      const cell = (op: 'decode' | 'prefill', x: number, y: number, paged: number, blockSize: number, order: number): number => {
        const key = (p: number, b: number, o: number) => `${op}:${x}:${y}:${p}:${b}:${o}`;
        if (!measured.has(key(paged, blockSize, order))) {
          for (const [p, b, o] of variants) {
            const point: Record<string, number> = op === 'decode' ? { batch: x, context: y } : { chunk: x, context: y };
            measured.set(key(p, b, o), time(op === 'decode' ? `decode ${label(p, b, o)} ${x}x${y}` : `prefill ${label(p, b, o)} ${x}+${y}`, op, { ...point, ...params(p, b, o) }));
          }
        }
        return measured.get(key(paged, blockSize, order))!;
      };
      const decode = (paged: number, blockSize: number, order = 0) =>
        table2('batch', g.decodeBatch, 'contextTokens', g.decodeContext, (batch, context) => cell('decode', batch, context, paged, blockSize, order));
      const prefill = (paged: number, blockSize: number, order = 0) =>
        table2('chunkTokens', g.prefillChunk, 'contextTokens', g.prefillContext, (chunk, context) => cell('prefill', chunk, context, paged, blockSize, order));
      const bySize = (f: (blockSize: number) => Table2D) => Object.fromEntries(g.pagedBlockSizes.map((b) => [String(b), f(b)]));
      profile.decodeAttention = { contiguous: decode(0, 16), paged: bySize((b) => decode(1, b, pagedOrder)) };
      if (alsoAscending) profile.decodeAttention.pagedAscending = bySize((b) => decode(1, b, 1));
      profile.prefillAttention = { ...(prefillKernel !== undefined ? { kernel: prefillKernel } : {}), contiguous: prefill(0, 16), paged: bySize((b) => prefill(1, b, pagedOrder)) };
      if (alsoAscending) profile.prefillAttention.pagedAscending = bySize((b) => prefill(1, b, 1));
    }
    if (hasMlstm) {
      profile.layerGemm!.mlstm = table1('tokens', g.gemmTokens, (tokens) => time(`mLSTM-layer GEMMs ${tokens}`, 'layerGemm', { kind: 1, tokens }));
      profile.recurrentStep = table1('batch', g.recurrentBatch, (batch) => time(`mLSTM step ${batch}`, 'mlstmStep', { batch }));
      profile.recurrentPrefill = { ...(mlstmAlgorithm !== undefined ? { algorithm: mlstmAlgorithm } : {}), ...table1('tokens', g.recurrentPrefillTokens, (tokens) => time(`mLSTM prefill ${tokens}`, 'mlstmPrefill', { tokens })) };
    }
    if (hasSlstm) {
      // recurrentStep/recurrentPrefill stay mLSTM's; sLSTM's step reads R where mLSTM's reads its state.
      profile.layerGemm!.slstm = table1('tokens', g.gemmTokens, (tokens) => time(`sLSTM-layer GEMMs ${tokens}`, 'layerGemm', { kind: 2, tokens }));
      profile.slstmStep = { ...(slstmVariant !== undefined ? { variant: slstmVariant } : {}), ...table1('batch', g.recurrentBatch, (batch) => time(`sLSTM step ${batch}`, 'slstmStep', { batch })) };
      profile.slstmPrefill = table1('tokens', g.recurrentPrefillTokens, (tokens) => time(`sLSTM prefill ${tokens}`, 'slstmPrefill', { tokens }));
    }
    if (o.tp > 1) {
      const ar = runAllReduceBench(binding, info.name, { model: o.model, tp: o.tp, tokens: g.gemmTokens, repeats: g.reps });
      if (ar.check.mismatches > 0) throw new KvsimError('ALLREDUCE_CHECK', `calibrate: all-reduce check: ${ar.check.mismatches} of ${ar.check.elements} elements differ from n(n+1)/2`);
      profile.allReduce = ar.allReduce;
      profile.method += `; allReduce: NCCL ${ar.ncclVersion} (${ar.ncclLibrary}), ${ar.method}`;
      o.onPoint?.(`all-reduce x${g.gemmTokens.length} sizes over ${o.tp} GPUs`, ++done, total);
    }
    return profile;
  } finally {
    model.destroy();
  }
}

/** The method string's words for the block order; shuffled keeps today's wording (same profiles byte for byte). */
function blockOrderMethod(order: BlockOrder): string {
  if (order === 'shuffled') return 'paged block tables shuffled';
  if (order === 'ascending') return "blockOrder=ascending; paged.<block>: block tables ascending (each request's blocks in order)";
  return "blockOrder=both; paged.<block>: block tables shuffled; pagedAscending.<block>: block tables ascending (each request's blocks in order), measured after the shuffled ones";
}

function formatVersion(v: number): string {
  return `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
}
