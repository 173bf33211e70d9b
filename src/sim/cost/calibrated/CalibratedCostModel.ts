import { UserError } from '../../../errors.js';
import type { CostTerms, IterationCost } from '../../plan/IterationCost.js';
import type { LayerKind, ModelSpec } from '../../model/ModelSpec.js';
import type { AttentionKernelProfile } from '../attention/AttentionKernelProfile.js';
import { attentionLookup, type AttentionLookup } from '../attention/attentionLookups.js';
import type { CostModel } from '../CostModel.js';
import { emptyIterationCost } from '../CostModel.js';
import type { IterationAggregate } from '../IterationAggregate.js';
import { composeIterationCost } from '../composeIterationCost.js';
import { RooflineCostModel, type RooflineContext } from '../RooflineCostModel.js';
import type { RooflineOptions } from '../RooflineOptions.js';
import { profileOrigin, type CalibrationProfile, type Table1D } from './CalibrationProfile.js';
import { interpolate1D, type Estimate } from './interpolate.js';
import { CostSources, type CostTerm } from './CostSources.js';
import { paddedGraphSize } from './cudaGraphSizes.js';

export interface CalibratedContext extends RooflineContext {
  /** Measured per-operation tables; without one, non-attention terms are the roofline's (by choice, not fallback). */
  profile?: CalibrationProfile;
  /** Where the profile was read from (for provenance). */
  profilePath?: string;
  /** Block size of the paged kernels (selects the paged table); ignored for contiguous kernels. */
  blockSizeTokens?: number;
  /** Memory policy kind (selects the profile's enactment fit). */
  policyKind?: string;
  /** Named attention kernels (`--attention-kernels`) replacing the profile's own attention tables. */
  kernels?: { profile: AttentionKernelProfile; path: string };
  /**
   * Price a term the profile lacks with the roofline instead of refusing to run. Every such
   * iteration is counted (`describe().sources`), so outputs can say what share it affected.
   * @defaultValue false
   */
  allowFallback?: boolean;
  /** Options of the roofline used for fallback and for roofline-priced terms. */
  roofline?: RooflineOptions;
  /**
   * The run executes decode-only iterations as CUDA graphs (`--cuda-graphs`): such a batch is priced
   * at the capture size it is padded to (GEMMs, LM head, recurrent step; attention on its real rows,
   * the padding rows reading one token each) with the profile's enactment.<policy>.cudaGraphs
   * overhead; other iterations as without graphs. A profile lacking that fit is an error, fallback or not.
   */
  cudaGraphs?: { captureSizes: readonly number[] };
}

/** A calibrated run needs a table the profile lacks (and fallback was not allowed). */
export class MissingCostTableError extends UserError {
  constructor(message: string) {
    super('COST_TABLE_MISSING', message);
  }
}

/**
 * Prices an iteration from times measured on a real GPU (a calibration profile) and, for attention,
 * from the named kernel profile when one is chosen: each term is looked up in its table (linear inside
 * the grid; outside it, time scales with the work above the grid and the smallest measurement is a
 * floor below it). A term the profile lacks is an error naming the table and the command that
 * measures it, unless fallback is allowed; then the roofline prices it and the iterations are counted.
 * Every iteration's every term is attributed to its source (`describe().sources`).
 */
export class CalibratedCostModel implements CostModel {
  readonly label: string;
  readonly sources: CostSources;
  private readonly ctx: CalibratedContext;
  private readonly roofline: RooflineCostModel;
  private readonly fallback = emptyIterationCost();
  private fallbackPriced = false;
  private readonly est: Estimate = { timeS: 0, provenance: 'interpolated' };
  private readonly attEst = { timeS: 0, provenance: '' };
  private readonly layerCounts: Record<LayerKind, number>;
  private readonly decode: AttentionLookup | undefined;
  private readonly prefill: AttentionLookup | undefined;
  /** Terms priced by the roofline (by choice when there is no profile, or by allowed fallback), with the label to count. */
  private readonly rooflineLabel: Partial<Record<CostTerm, string>> = {};
  private readonly gemmLabel: string;
  private readonly recurrentLabel: string;
  private readonly overheadLabel: string;
  private readonly graphOverheadLabel: string;
  private readonly allocationLabel: string;
  private readonly commLabel: string;

  constructor(ctx: CalibratedContext) {
    this.ctx = ctx;
    this.roofline = new RooflineCostModel(ctx, ctx.roofline);
    const contiguousRoofline = new RooflineCostModel({ ...ctx, pagedKernels: false }, ctx.roofline);
    this.layerCounts = countLayers(ctx.model);
    this.sources = new CostSources();
    const p = ctx.profile;
    const path = ctx.profilePath ?? '(profile)';
    const n = this.layerCounts;
    const missing: string[] = [];
    // `measured`, or `predicted from <card> profile (<date>) by roofline scaling` (kvsim calibrate scale).
    const origin = p ? profileOrigin(p) : 'measured';
    const rooflineName = `roofline (${ctx.hardware.name} ceilings)`;
    const need = (term: CostTerm, have: boolean, what: string) => {
      if (have) return;
      if (!p) {
        this.rooflineLabel[term] = rooflineName;
        return;
      }
      missing.push(what);
      this.rooflineLabel[term] = `roofline fallback (${what.split(';')[0]})`;
    };

    // GEMMs (incl. LM head), recurrent, overhead, allocation: the calibration profile or the roofline.
    const gemmKinds = (['attention', 'mlstm', 'slstm'] as const).filter((k) => n[k] > 0);
    const lacking = gemmKinds.filter((k) => !p?.layerGemm?.[k]);
    need('gemm', lacking.length === 0 && p?.lmHead !== undefined, `${path} has no ${[...lacking.map((k) => `layerGemm.${k}`), ...(p?.lmHead ? [] : ['lmHead'])].join(', ')} table`);
    this.gemmLabel = `${origin} ${path} layerGemm+lmHead`;
    // recurrentStep/recurrentPrefill are mLSTM's tables; sLSTM layers ask for their own below, so a model
    // with sLSTM layers only needs none of these (calibrate writes them only for mLSTM layers).
    if (n.mlstm > 0) need('recurrent', p?.recurrentStep !== undefined && p?.recurrentPrefill !== undefined, `${path} has no recurrentStep/recurrentPrefill table`);
    // Which kernel measured each recurrent table rides along in the label: the same table name holds
    // very different kernels' times (sequential vs tfla prefill: 1.2-4.5x apart by prompt length on one card, bench/xlstm/NOTES.md run 6), and the
    // committed profiles predate the current defaults, so a user must see which one priced the run.
    const mlstmTables = `recurrentStep/recurrentPrefill (prefill kernel: ${p?.recurrentPrefill?.algorithm ?? 'unrecorded; auto ran sequential then'})`;
    const slstmTables = `slstmStep/slstmPrefill (step variant: ${p?.slstmStep?.variant ?? 'unrecorded'})`;
    this.recurrentLabel = `${origin} ${path} ${mlstmTables}`;
    const e = ctx.policyKind === undefined ? undefined : p?.enactment?.[ctx.policyKind];
    need('overhead', e !== undefined || p?.iterationOverheadS !== undefined, `${path} has no enactment.${ctx.policyKind ?? '?'} fit`);
    // A predicted profile keeps the source card's host-side fits: say so, not just where they were read.
    const kept = p?.derivedFrom ? ` (fitted on ${p.derivedFrom.card}, assumed unchanged: host-bound)` : '';
    this.overheadLabel = e ? `fitted ${path} enactment.${ctx.policyKind}${kept}` : `measured ${path} iterationOverheadS${kept}`;
    this.allocationLabel = e ? `fitted ${path} enactment.${ctx.policyKind}${kept}` : `policy model (${ctx.hardware.name} VMM per-call costs, ${ctx.hardware.vmm.source})`;
    if (ctx.cudaGraphs) {
      // Never priced from the eager fit: graphs change exactly the per-iteration host work it measures.
      // (A profile with no per-policy fits at all, as fitEnactment's own calibration replay uses,
      // prices every iteration with its one iterationOverheadS.)
      const how = `measure it with \`kvsim calibrate --model ${ctx.model.name}${ctx.tp > 1 ? ` --tp ${ctx.tp}` : ''} --cuda-graphs\``;
      if (!p) throw new MissingCostTableError(`cost model: --cuda-graphs needs a calibration profile with an enactment.${ctx.policyKind ?? '<policy>'}.cudaGraphs fit (the roofline has no CUDA-graph overhead); ${how}`);
      if (p.enactment !== undefined && !e?.cudaGraphs) throw new MissingCostTableError(`cost model: ${path} has no enactment.${ctx.policyKind ?? '?'}.cudaGraphs fit (decode iterations as CUDA graphs); ${how}`);
    }
    this.graphOverheadLabel = e?.cudaGraphs ? `fitted ${path} enactment.${ctx.policyKind}.cudaGraphs${kept}` : this.overheadLabel;

    // Tensor-parallel communication: the profile's measured all-reduce table (NCCL on the card, at the
    // run's TP), else NCCL's ring model over the published link (by choice without a profile; a
    // profile lacking the table is a missing table like any other).
    const comm = this.roofline.comm;
    if (ctx.tp > 1) {
      if (!p) this.rooflineLabel.comm = comm.label;
      else if (!p.allReduce) {
        const what = `${path} has no allReduce table (tp=${ctx.tp}); measure it with \`kvsim gpu bench allreduce --tp ${ctx.tp} --model ${ctx.model.name}\` and add its allReduce table to the profile`;
        missing.push(what);
        this.rooflineLabel.comm = `roofline fallback (${what.split(';')[0]})`;
      }
    }
    this.commLabel = `${origin} ${path} allReduce x${comm.allReducesPerPass} per pass + logits gather by ${comm.label.split(' over ')[0]}`;

    // Attention: the named kernels, else the profile's own tables.
    let decode: AttentionLookup | undefined;
    let prefill: AttentionLookup | undefined;
    if (n.attention > 0) {
      const common = { paged: ctx.pagedKernels, blockSize: ctx.blockSizeTokens ?? 16, profile: p ? { profile: p, path } : undefined, kernels: ctx.kernels, };
      for (const kind of ['decode', 'prefill'] as const) {
        const l = attentionLookup({ kind, ...common, rooflineContiguous: rooflineAttention(contiguousRoofline, ctx.hardware.name, kind) });
        const term: CostTerm = kind === 'decode' ? 'decodeAttention' : 'prefillAttention';
        if ('missing' in l) {
          missing.push(l.missing);
          this.rooflineLabel[term] = `roofline fallback (${l.missing.split(';')[0]})`;
        } else if (kind === 'decode') decode = l;
        else prefill = l;
      }
    }
    this.decode = decode;
    // sLSTM layers have tables of their own (slstmStep/slstmPrefill): an sLSTM step reads its recurrent
    // weights R per token, an mLSTM step its matrix state, so one table cannot price both.
    if (n.slstm > 0) {
      need('recurrent', p?.slstmStep !== undefined && p?.slstmPrefill !== undefined, `${path} has no slstmStep/slstmPrefill table`);
      this.recurrentLabel = n.mlstm > 0 ? `${this.recurrentLabel} + ${slstmTables}` : `${origin} ${path} ${slstmTables}`;
    }
    this.prefill = prefill;
    if (missing.length > 0 && !ctx.allowFallback) {
      // One line: what is missing, then each distinct command that measures it.
      const what = missing.map((m) => m.split('; ')[0]);
      const how = [...new Set(missing.flatMap((m) => m.split('; ').slice(1)))];
      throw new MissingCostTableError(`cost model: ${what.join('; ')}${how.length > 0 ? `; ${how.join('; ')}` : ''}; or pass --allow-fallback (allowFallback: true) to price ${missing.length === 1 ? 'it' : 'them'} with the roofline, with a warning giving the share of iterations affected`);
    }
    const kernels = ctx.kernels ? `, attention ${ctx.kernels.profile.name}` : '';
    this.label = p
      ? `calibrated(${p.card}, ${path}${ctx.pagedKernels ? `, paged block=${ctx.blockSizeTokens ?? 16}` : ''}${kernels}, alloc=${ctx.allocationMode})`
      : `roofline(${ctx.hardware.name}, tp=${ctx.tp}${kernels}${ctx.pagedKernels ? `, paged block=${ctx.blockSizeTokens ?? 16}` : ''}, alloc=${ctx.allocationMode})`;
  }

  iterationCost(agg: IterationAggregate, out: IterationCost): IterationCost {
    const p = this.ctx.profile;
    this.fallbackPriced = false;
    const tokens = agg.prefillTokens + agg.decodeTokens;
    const n = this.layerCounts;
    // A decode-only batch run as a CUDA graph computes its padding rows too (0: eager).
    const graphRows = this.graphRows(agg);
    const src = this.sources;
    const rl = this.rooflineLabel;

    let gemmS = 0;
    if (tokens > 0) {
      if (rl.gemm !== undefined) {
        // The roofline's gemm term includes the LM head; use it whole rather than mix halves.
        gemmS = this.fallbackTerms(agg).gemmS;
        src.count('gemm', rl.gemm);
      } else {
        let worst: Estimate['provenance'] = 'interpolated';
        for (const kind of ['attention', 'mlstm', 'slstm'] as const) {
          if (n[kind] === 0) continue;
          gemmS += n[kind] * this.look1D(p!.layerGemm![kind]!, graphRows || tokens);
          worst = worse(worst, this.est.provenance);
        }
        gemmS += this.look1D(p!.lmHead!, graphRows || agg.decodeTokens + agg.prefillRequests);
        src.count('gemm', this.gemmLabel, worse(worst, this.est.provenance));
      }
    }

    let decodeS = 0;
    if (agg.decodeTokens > 0 && n.attention > 0) {
      if (this.decode) {
        this.decode.price(agg.decodeTokens, agg.decodeKvTokens / agg.decodeTokens, this.attEst);
        decodeS = n.attention * this.attEst.timeS;
        src.count('decodeAttention', this.decode.label, this.attEst.provenance);
      } else {
        decodeS = this.fallbackTerms(agg).decodeAttentionS;
        src.count('decodeAttention', rl.decodeAttention!);
      }
    }

    let prefillS = 0;
    if (agg.prefillRequests > 0 && n.attention > 0) {
      if (this.prefill) {
        const context = (agg.prefillKvTokens - agg.prefillTokens) / agg.prefillRequests;
        // The table prices one request; a batch of prefills runs as one launch whose parallelism grows
        // with all its query tokens, so price it as one request of the batch's total chunk (same
        // parallelism) scaled to the batch's query-key pairs (causal work is quadratic per request).
        const total = agg.prefillTokens;
        const pairsOfTotal = total * (context + total / 2);
        this.prefill.price(total, context, this.attEst);
        prefillS = n.attention * this.attEst.timeS * (agg.prefillAttentionPairs / pairsOfTotal);
        src.count('prefillAttention', this.prefill.label, this.attEst.provenance);
      } else {
        prefillS = this.fallbackTerms(agg).prefillAttentionS;
        src.count('prefillAttention', rl.prefillAttention!);
      }
    }

    let recurrentS = 0;
    const recurrentLayers = n.mlstm + n.slstm;
    if (recurrentLayers > 0 && tokens > 0) {
      if (rl.recurrent !== undefined) {
        recurrentS = this.fallbackTerms(agg).recurrentS;
        src.count('recurrent', rl.recurrent);
      } else {
        let worst: Estimate['provenance'] = 'interpolated';
        // mLSTM layers from recurrentStep/recurrentPrefill, sLSTM layers from slstmStep/slstmPrefill.
        const kinds: [number, Table1D | undefined, Table1D | undefined][] = [
          [n.mlstm, p!.recurrentStep, p!.recurrentPrefill],
          [n.slstm, p!.slstmStep, p!.slstmPrefill],
        ];
        for (const [layers, step, prefill] of kinds) {
          if (layers === 0) continue;
          if (agg.decodeTokens > 0) {
            recurrentS += layers * this.look1D(step!, graphRows || agg.decodeTokens);
            worst = worse(worst, this.est.provenance);
          }
          // The table times one prompt's prefill launch alone: a flat ~88 us below 64 tokens (the launch's
          // fixed cost), then ~0.32 us per token. An iteration's prompts run back to back in one stream
          // (native/gpuModelCore.cc Run: one xlstm_mlstm_prefill per prompt per layer) behind the GEMMs,
          // so the fixed cost is paid once per iteration and each prompt adds its tokens' work: price
          // the iteration's prompts as one prefill of their total tokens. (Per prompt, N * f(tokens / N)
          // charged the floor N times: xLSTM-7B batches of 2-5 prompts over-priced by ~2.2 ms per extra
          // prompt on the H100, bench/gpu/reprice.mjs on profiles/h100-sxm-80gb/validation/xlstm-7b.*.)
          // sLSTM prefill is one step launch per token (native/gpuModelCore.cc SlstmSteps), so its
          // table is linear in tokens and the same total-token rule holds.
          if (agg.prefillRequests > 0) {
            recurrentS += layers * this.look1D(prefill!, agg.prefillTokens);
            worst = worse(worst, this.est.provenance);
          }
        }
        src.count('recurrent', this.recurrentLabel, worst);
      }
    }

    let commS = 0;
    if (this.ctx.tp > 1 && tokens > 0) {
      if (rl.comm !== undefined) {
        commS = this.fallbackTerms(agg).commS;
        src.count('comm', rl.comm);
      } else {
        const comm = this.roofline.comm;
        commS = comm.allReducesPerPass * this.look1D(p!.allReduce!, comm.allReduceBytes(tokens)) + comm.gatherS(agg.decodeTokens + agg.prefillRequests);
        src.count('comm', this.commLabel, this.est.provenance);
      }
    }

    const e = this.ctx.policyKind === undefined ? undefined : p?.enactment?.[this.ctx.policyKind];
    let overheadS: number;
    if (rl.overhead !== undefined) {
      overheadS = this.fallbackTerms(agg).overheadS;
      src.count('overhead', rl.overhead);
    } else {
      const graphFit = graphRows > 0 ? e?.cudaGraphs : undefined;
      overheadS = e ? (graphFit ? graphFit.iterationS : e.iterationS) + (e.perPrefillTokenS ?? 0) * agg.prefillTokens + (e.perPrefillRequestS ?? 0) * agg.prefillRequests : p!.iterationOverheadS!;
      // A graph fit may be negative (launch gaps saved against the tables); it never takes the iteration below zero.
      if (graphFit && overheadS < 0) overheadS = Math.max(overheadS, -(gemmS + prefillS + decodeS + recurrentS + commS));
      // The executor's bookkeeping when a policy that maps nothing admits requests: overhead, not allocation.
      if (e && agg.allocOps > 0) overheadS += (e.harnessIterationS ?? 0) + (e.harnessPerOpS ?? 0) * agg.allocOps;
      src.count('overhead', graphFit ? this.graphOverheadLabel : this.overheadLabel);
    }
    // Allocation work as measured on the card when the profile has it, else as the policy modelled it.
    const work = e ? (agg.allocOps > 0 ? e.allocIterationS + e.perAllocOpS * agg.allocOps : 0) : agg.allocTimeS;
    if (work > 0) src.count('allocation', this.allocationLabel);
    // The measured work splits like the modelled one between ahead-of-need and needed-now.
    const ahead = e ? (agg.allocOps > 0 ? work * (agg.aheadAllocOps / agg.allocOps) : 0) : agg.aheadAllocTimeS;
    return composeIterationCost(out, this.ctx.allocationMode, gemmS, prefillS, decodeS, recurrentS, commS, overheadS, work, ahead);
  }

  describe(): Record<string, unknown> {
    const p = this.ctx.profile;
    const k = this.ctx.kernels;
    return {
      costModel: p ? 'calibrated' : 'roofline',
      ...(p ? { profile: this.ctx.profilePath, card: p.card, driver: p.driver, date: p.date } : {}),
      ...(k ? { attentionKernels: { name: k.profile.name, path: k.path, provenance: k.profile.provenance } } : {}),
      pagedKernels: this.ctx.pagedKernels,
      blockSizeTokens: this.ctx.blockSizeTokens,
      allocationMode: this.ctx.allocationMode,
      allowFallback: this.ctx.allowFallback ?? false,
      ...(this.ctx.cudaGraphs ? { cudaGraphs: { captureSizes: [...this.ctx.cudaGraphs.captureSizes] } } : {}),
      ...this.roofline.interconnectOfRun(),
      sources: this.sources.toJSON(),
    };
  }

  /** The roofline's terms for this iteration, priced only when some term comes from it. */
  private fallbackTerms(agg: IterationAggregate): CostTerms {
    if (!this.fallbackPriced) {
      this.roofline.iterationCost(agg, this.fallback);
      this.fallbackPriced = true;
    }
    return this.fallback.terms;
  }

  /**
   * The capture size a decode-only batch (every request one decode token, no prefill) is padded to
   * when the run uses CUDA graphs, else 0 (eager), as native/gpuModelCore.cc GraphSizeFor decides.
   */
  private graphRows(agg: IterationAggregate): number {
    const g = this.ctx.cudaGraphs;
    if (!g || agg.prefillRequests > 0 || agg.prefillTokens > 0 || agg.decodeTokens === 0 || agg.decodeTokens !== agg.batchSize) return 0;
    return paddedGraphSize(g.captureSizes, agg.batchSize) ?? 0;
  }

  private look1D(t: Table1D, x: number): number {
    return interpolate1D(t, x, this.est).timeS;
  }
}

/** The roofline's contiguous attention for one layer, as a lookup (base for published ratios). */
function rooflineAttention(m: RooflineCostModel, gpu: string, kind: 'decode' | 'prefill'): AttentionLookup {
  return {
    label: `roofline contiguous ${kind} attention (${gpu} ceilings)`,
    price(a, b, out) {
      out.timeS = m.attentionPerLayerS(kind, a, b);
      out.provenance = 'interpolated';
    },
  };
}

const RANK: Record<Estimate['provenance'], number> = { interpolated: 0, 'clamped-floor': 1, 'extrapolated-linear': 2 };
function worse(a: Estimate['provenance'], b: Estimate['provenance']): Estimate['provenance'] {
  return RANK[a] >= RANK[b] ? a : b;
}

function countLayers(model: ModelSpec): Record<LayerKind, number> {
  const c: Record<LayerKind, number> = { attention: 0, mlstm: 0, slstm: 0 };
  for (const l of model.layers) c[l.kind]++;
  return c;
}
