import type { IterationCost } from '../plan/IterationCost.js';
import type { HardwareSpec } from '../hardware/HardwareSpec.js';
import { kvHeadsPerGpu, recurrentStateBytesPerLayer } from '../model/derived.js';
import { dtypeBytes } from '../model/dtype.js';
import type { LayerSpec, ModelSpec } from '../model/ModelSpec.js';
import type { CostModel } from './CostModel.js';
import type { IterationAggregate } from './IterationAggregate.js';
import { CostSources } from './calibrated/CostSources.js';
import { composeIterationCost } from './composeIterationCost.js';
import { layerGemms } from './layerGemms.js';
import { TpCommunication } from './TpCommunication.js';
import { resolveRooflineOptions, type ResolvedRooflineOptions, type RooflineOptions } from './RooflineOptions.js';

export type { AllocationMode } from './composeIterationCost.js';
import type { AllocationMode } from './composeIterationCost.js';

export interface RooflineContext {
  model: ModelSpec;
  hardware: HardwareSpec;
  /** Tensor-parallel degree: weights, heads and state are split this many ways. */
  tp: number;
  /** Attention reads KV through a block table (PagedAttention): paged slowdowns apply. */
  pagedKernels: boolean;
  /**
   * 'overlapped': a background thread maps pages while the GPU computes, so only the excess over the
   * iteration's compute stalls it; 'sync' and 'none' (CPU-side bookkeeping): the work adds to the iteration.
   */
  allocationMode: AllocationMode;
}

/**
 * The analytic cost model of DESIGN.md. Each operation of each layer costs
 * max(FLOPs / rate, bytes / bandwidth) + a launch overhead, with rates taken from the hardware's
 * measured ceilings:
 * - GEMMs over the iteration's tokens (weights read once per iteration, activations in and out);
 * - prefill attention: FLOPs 4*Hq*D*sum(chunk*(context + chunk/2)), bytes: KV read + Q/O traffic;
 * - decode attention: bytes sum((context+1) * 2*Hkv*D*b) + Q/O traffic (memory-bound);
 * - recurrent layers: state read + written once per request per iteration, 4*H*dqk*dv FLOPs per
 *   token for mLSTM (C update and readout), 8*H*dh^2 for sLSTM (block-diagonal recurrence); sLSTM
 *   also reads its recurrent weights R (4*H*dh^2) and pays a launch per sequential step: one step for
 *   the iteration's decode rows, one per prompt token (no parallel form over time);
 * - the LM head over one row per token that is sampled;
 * - at TP > 1, the all-reduces and the logits gather of {@link TpCommunication}, not overlapped;
 * - allocation work (see {@link AllocationMode}) and a per-iteration CPU overhead.
 *
 * durationS = gemmS + prefillAttentionS + decodeAttentionS + recurrentS + commS + overheadS + stallS, where
 * `terms.allocationS` is the allocation *work* and `stallS` the part of it the iteration waited for.
 */
export class RooflineCostModel implements CostModel {
  readonly label: string;
  readonly options: ResolvedRooflineOptions;
  /** Per term, how many iterations were priced (all by this analytic model; labels say with which assumptions). */
  readonly sources = new CostSources();
  private readonly labels: { gemm: string; prefill: string; decode: string; recurrent: string; comm: string; overhead: string; allocation: string };
  /** Tensor-parallel communication (zero at TP 1). */
  readonly comm: TpCommunication;
  private readonly ctx: RooflineContext;
  // Per distinct GEMM: [flops per token, weight bytes, activation bytes per token, multiplicity].
  private readonly gemms: Float64Array;
  private readonly lmHead: Float64Array;
  // Per distinct attention layer shape: [Hq*D (per GPU), KV bytes per token (K+V), multiplicity].
  private readonly attention: Float64Array;
  // Per distinct recurrent layer: [FLOPs per token, state bytes per request, multiplicity, bytes read per
  // sequential step (sLSTM's R; 0 = mLSTM, whose prefill is chunkwise)].
  private readonly recurrent: Float64Array;
  // Memo of the GEMM and recurrent terms, which depend only on these counts: runs of decode
  // iterations reuse them (same inputs, same bits).
  private memoTokens = -1;
  private memoRows = -1;
  private memoBatch = -1;
  private memoSteps = -1;
  private memoGemmS = 0;
  private memoRecurrentS = 0;
  private memoCommS = 0;

  constructor(ctx: RooflineContext, options: RooflineOptions = {}) {
    this.ctx = ctx;
    this.options = resolveRooflineOptions(ctx.hardware, options);
    const { model, tp } = ctx;
    const wb = dtypeBytes(model.weightDtype);
    const ab = this.options.activationBytes;
    const groups = groupLayers(model.layers);
    const gemms: number[] = [];
    const attention: number[] = [];
    const recurrent: number[] = [];
    for (const { layer, count } of groups) {
      for (const g of layerGemms(model, layer)) {
        const weights = (g.inFeatures * g.outFeatures) / tp;
        gemms.push(2 * weights, weights * wb, (g.inFeatures + g.outFeatures) * ab, count);
      }
      if (layer.kind === 'attention') {
        attention.push((layer.heads / tp) * layer.headDim, 2 * kvHeadsPerGpu(layer, tp) * layer.headDim * dtypeBytes(layer.dtype), count);
      } else {
        const flops = layer.kind === 'mlstm' ? 4 * (layer.heads / tp) * layer.dqk * layer.dv : 8 * (layer.heads / tp) * layer.headDim * layer.headDim;
        const stepBytes = layer.kind === 'slstm' ? 4 * (layer.heads / tp) * layer.headDim * layer.headDim * wb : 0;
        recurrent.push(flops, recurrentStateBytesPerLayer(layer, tp), count, stepBytes);
      }
    }
    const head = (model.hiddenSize * model.vocabSize) / tp;
    this.gemms = Float64Array.from(gemms);
    this.lmHead = Float64Array.from([2 * head, head * wb, (model.hiddenSize + model.vocabSize) * ab, 1]);
    this.attention = Float64Array.from(attention);
    this.recurrent = Float64Array.from(recurrent);
    this.comm = new TpCommunication(model, tp, ctx.hardware, ab);
    const paged = ctx.pagedKernels ? `, paged prefill x${this.options.pagedPrefillSlowdown}, decode x${this.options.pagedDecodeSlowdown}` : '';
    this.label = `roofline(${ctx.hardware.name}, tp=${tp}${paged}, alloc=${ctx.allocationMode})`;
    const o = this.options;
    const base = `roofline (${ctx.hardware.name} ceilings)`;
    this.labels = {
      gemm: base,
      prefill: ctx.pagedKernels ? `${base}, paged prefill x${o.pagedPrefillSlowdown} assumed (literature upper bound)` : base,
      decode: ctx.pagedKernels ? `${base}, paged decode x${o.pagedDecodeSlowdown} assumed (literature upper bound)` : base,
      recurrent: base,
      comm: this.comm.label,
      overhead: `roofline: ${o.iterationOverheadS * 1e3} ms per iteration assumed`,
      allocation: `policy model (${ctx.hardware.name} VMM per-call costs, ${ctx.hardware.vmm.source})`,
    };
  }

  iterationCost(agg: IterationAggregate, out: IterationCost): IterationCost {
    const o = this.options;
    const rate = o.gemmFlopsPerS;
    const bw = o.memoryBytesPerS;
    const launch = o.launchOverheadS;
    const tokens = agg.prefillTokens + agg.decodeTokens;

    const rows = agg.decodeTokens + agg.prefillRequests;
    // Sequential recurrent steps (sLSTM): one for the decode rows together, one per prompt token.
    const steps = (agg.decodeTokens > 0 ? 1 : 0) + agg.prefillTokens;
    if (tokens !== this.memoTokens || rows !== this.memoRows || agg.batchSize !== this.memoBatch || steps !== this.memoSteps) {
      this.memoTokens = tokens;
      this.memoRows = rows;
      this.memoBatch = agg.batchSize;
      this.memoSteps = steps;
      this.memoGemmS = this.gemmTerm(tokens, rows);
      this.memoRecurrentS = this.recurrentTerm(tokens, agg.batchSize, steps);
      this.memoCommS = this.comm.iterationS(tokens, rows);
    }
    const commS = this.memoCommS;
    const gemmS = this.memoGemmS;
    const recurrentS = this.memoRecurrentS;

    let prefillS = 0;
    let decodeS = 0;
    const a = this.attention;
    const ab = o.activationBytes;
    const attnRate = rate * o.prefillAttentionEfficiency;
    const prefillSlow = this.ctx.pagedKernels ? o.pagedPrefillSlowdown : 1;
    const decodeSlow = this.ctx.pagedKernels ? o.pagedDecodeSlowdown : 1;
    for (let i = 0; i < a.length; i += 3) {
      const qd = a[i];
      const kvPerToken = a[i + 1];
      const n = a[i + 2];
      if (agg.prefillTokens > 0) {
        const flops = 4 * qd * agg.prefillAttentionPairs;
        const bytes = agg.prefillKvTokens * kvPerToken + agg.prefillTokens * 2 * qd * ab;
        prefillS += n * (Math.max(flops / attnRate, bytes / bw) * prefillSlow + launch);
      }
      if (agg.decodeTokens > 0) {
        const flops = 4 * qd * agg.decodeKvTokens;
        const bytes = agg.decodeKvTokens * kvPerToken + agg.decodeTokens * 2 * qd * ab;
        decodeS += n * (Math.max(flops / rate, bytes / bw) * decodeSlow + launch);
      }
    }

    const src = this.sources;
    const l = this.labels;
    if (tokens > 0) src.count('gemm', l.gemm);
    if (agg.prefillTokens > 0 && a.length > 0) src.count('prefillAttention', l.prefill);
    if (agg.decodeTokens > 0 && a.length > 0) src.count('decodeAttention', l.decode);
    if (tokens > 0 && this.recurrent.length > 0) src.count('recurrent', l.recurrent);
    if (commS > 0) src.count('comm', l.comm);
    src.count('overhead', l.overhead);
    if (agg.allocOps > 0 || agg.allocTimeS > 0) src.count('allocation', l.allocation);
    return composeIterationCost(out, this.ctx.allocationMode, gemmS, prefillS, decodeS, recurrentS, commS, o.iterationOverheadS, agg.allocTimeS, agg.aheadAllocTimeS);
  }

  /**
   * One attention layer's time (averaged over the model's attention layers) for decode of `a` requests
   * at mean `b` tokens of KV each, or prefill of one request's `a` new tokens over `b` cached ones.
   */
  attentionPerLayerS(kind: 'decode' | 'prefill', a: number, b: number): number {
    const o = this.options;
    const at = this.attention;
    const slow = this.ctx.pagedKernels ? (kind === 'decode' ? o.pagedDecodeSlowdown : o.pagedPrefillSlowdown) : 1;
    let s = 0;
    let layers = 0;
    for (let i = 0; i < at.length; i += 3) {
      const qd = at[i];
      const kv = at[i + 1];
      const n = at[i + 2];
      const t =
        kind === 'decode'
          ? Math.max((4 * qd * a * b) / o.gemmFlopsPerS, (a * b * kv + a * 2 * qd * o.activationBytes) / o.memoryBytesPerS)
          : Math.max((4 * qd * a * (b + a / 2)) / (o.gemmFlopsPerS * o.prefillAttentionEfficiency), ((b + a) * kv + a * 2 * qd * o.activationBytes) / o.memoryBytesPerS);
      s += n * (t * slow + o.launchOverheadS);
      layers += n;
    }
    return layers > 0 ? s / layers : 0;
  }

  /** Dense GEMMs over `tokens` tokens plus the LM head over `rows` sampled rows. */
  private gemmTerm(tokens: number, rows: number): number {
    if (tokens === 0) return 0;
    const { gemmFlopsPerS: rate, memoryBytesPerS: bw, launchOverheadS: launch } = this.options;
    let s = 0;
    const g = this.gemms;
    for (let i = 0; i < g.length; i += 4) {
      s += g[i + 3] * (Math.max((g[i] * tokens) / rate, (g[i + 1] + g[i + 2] * tokens) / bw) + launch);
    }
    const h = this.lmHead;
    return s + Math.max((h[0] * rows) / rate, (h[1] + h[2] * rows) / bw) + launch;
  }

  /**
   * Recurrent layers: FLOPs per token, and each request's state read and written once; sLSTM adds its
   * R read and a launch per sequential step (R fits an H100's L2, so HBM bandwidth bounds it above).
   */
  private recurrentTerm(tokens: number, batchSize: number, steps: number): number {
    if (tokens === 0) return 0;
    const { gemmFlopsPerS: rate, memoryBytesPerS: bw, launchOverheadS: launch } = this.options;
    let s = 0;
    const r = this.recurrent;
    for (let i = 0; i < r.length; i += 4) {
      const stepBytes = r[i + 3];
      const sequential = stepBytes > 0 ? steps : 1;
      s += r[i + 2] * (Math.max((r[i] * tokens) / rate, (2 * r[i + 1] * batchSize + stepBytes * sequential) / bw) + launch * sequential);
    }
    return s;
  }

  describe(): Record<string, unknown> {
    return { costModel: 'roofline', tp: this.ctx.tp, pagedKernels: this.ctx.pagedKernels, allocationMode: this.ctx.allocationMode, ...this.options, ...this.interconnectOfRun(), sources: this.sources.toJSON() };
  }

  /** The link priced at TP > 1 (nothing at TP 1, so single-GPU outputs stay as they were). */
  interconnectOfRun(): Record<string, unknown> {
    const i = this.ctx.hardware.interconnect;
    return this.ctx.tp > 1 && i ? { interconnect: { name: i.name, bandwidthBytesPerS: i.bandwidthBytesPerS, source: i.source } } : {};
  }
}

/** Identical consecutive-or-not layers priced once and multiplied (presets repeat one shape). */
function groupLayers(layers: LayerSpec[]): { layer: LayerSpec; count: number }[] {
  const groups = new Map<string, { layer: LayerSpec; count: number }>();
  for (const layer of layers) {
    const key = JSON.stringify(layer);
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { layer, count: 1 });
  }
  return [...groups.values()];
}
