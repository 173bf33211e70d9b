import type { CostTerms, IterationCost } from '../../plan/IterationCost.js';
import type { LayerKind, ModelSpec } from '../../model/ModelSpec.js';
import type { CostModel } from '../CostModel.js';
import type { IterationAggregate } from '../IterationAggregate.js';
import { emptyIterationCost } from '../CostModel.js';
import { composeIterationCost } from '../composeIterationCost.js';
import { RooflineCostModel, type RooflineContext } from '../RooflineCostModel.js';
import type { CalibrationProfile, Table1D, Table2D } from './CalibrationProfile.js';
import { interpolate1D, interpolate2D, type Estimate, type Provenance } from './interpolate.js';

export interface CalibratedContext extends RooflineContext {
  profile: CalibrationProfile;
  /** Where the profile was read from (for provenance). */
  profilePath: string;
  /** Block size of the paged kernels (selects the paged table); ignored for contiguous kernels. */
  blockSizeTokens?: number;
  /** Memory policy kind (selects the profile's enactment fit). */
  policyKind?: string;
}

type Term = 'gemm' | 'lmHead' | 'prefillAttention' | 'decodeAttention' | 'recurrentStep' | 'recurrentPrefill' | 'overhead';
const TERMS: Term[] = ['gemm', 'lmHead', 'prefillAttention', 'decodeAttention', 'recurrentStep', 'recurrentPrefill', 'overhead'];
type Source = Provenance | 'roofline-fallback';

/**
 * Prices an iteration from times measured on a real GPU (a calibration profile): each term is looked
 * up in its table (linear inside the grid; outside it, time scales with the work above the grid and
 * the smallest measurement is a floor below it). A term the profile lacks falls back to the roofline
 * model, and the model counts, per term, how many estimates came from where (`describe().provenance`).
 */
export class CalibratedCostModel implements CostModel {
  readonly label: string;
  private readonly ctx: CalibratedContext;
  private readonly roofline: RooflineCostModel;
  private readonly fallback = emptyIterationCost();
  private fallbackPriced = false;
  private readonly est: Estimate = { timeS: 0, provenance: 'interpolated' };
  private readonly layerCounts: Record<LayerKind, number>;
  private readonly decodeTable: Table2D | undefined;
  private readonly prefillTable: Table2D | undefined;
  /** counts[term][source]: how many estimates of each term came from each source. */
  readonly counts: Record<Term, Record<Source, number>>;

  constructor(ctx: CalibratedContext) {
    this.ctx = ctx;
    this.roofline = new RooflineCostModel(ctx);
    this.layerCounts = countLayers(ctx.model);
    const p = ctx.profile;
    const blockKey = String(ctx.blockSizeTokens ?? 16);
    this.decodeTable = ctx.pagedKernels ? p.decodeAttention?.paged?.[blockKey] : p.decodeAttention?.contiguous;
    this.prefillTable = ctx.pagedKernels ? p.prefillAttention?.paged?.[blockKey] : p.prefillAttention?.contiguous;
    this.counts = Object.fromEntries(
      TERMS.map((t) => [t, { interpolated: 0, 'extrapolated-linear': 0, 'clamped-floor': 0, 'roofline-fallback': 0 }]),
    ) as Record<Term, Record<Source, number>>;
    this.label = `calibrated(${p.card}, ${ctx.profilePath}${ctx.pagedKernels ? `, paged block=${blockKey}` : ''}, alloc=${ctx.allocationMode})`;
  }

  iterationCost(agg: IterationAggregate, out: IterationCost): IterationCost {
    const p = this.ctx.profile;
    this.fallbackPriced = false;
    const tokens = agg.prefillTokens + agg.decodeTokens;
    const n = this.layerCounts;

    let gemmS = 0;
    if (tokens > 0) {
      let missing = false;
      for (const kind of ['attention', 'mlstm', 'slstm'] as const) {
        if (n[kind] === 0) continue;
        const t = p.layerGemm?.[kind];
        if (!t) {
          missing = true;
          continue;
        }
        gemmS += n[kind] * this.look1D('gemm', t, tokens);
      }
      const rows = agg.decodeTokens + agg.prefillRequests;
      const lm = p.lmHead ? this.look1D('lmHead', p.lmHead, rows) : undefined;
      if (missing || lm === undefined) {
        // Roofline's gemm term includes the LM head; use it whole rather than mix halves.
        gemmS = this.fromFallback('gemm', this.fallbackTerms(agg).gemmS);
      } else {
        gemmS += lm;
      }
    }

    let decodeS = 0;
    if (agg.decodeTokens > 0 && n.attention > 0) {
      const context = agg.decodeKvTokens / agg.decodeTokens;
      decodeS = this.decodeTable
        ? n.attention * this.look2D('decodeAttention', this.decodeTable, agg.decodeTokens, context)
        : this.fromFallback('decodeAttention', this.fallbackTerms(agg).decodeAttentionS);
    }

    let prefillS = 0;
    if (agg.prefillRequests > 0 && n.attention > 0) {
      const context = (agg.prefillKvTokens - agg.prefillTokens) / agg.prefillRequests;
      // The table prices one request; a batch of prefills runs as one launch whose parallelism grows
      // with all its query tokens, so price it as one request of the batch's total chunk (same
      // parallelism) scaled to the batch's query-key pairs (causal work is quadratic per request).
      const total = agg.prefillTokens;
      const pairsOfTotal = total * (context + total / 2);
      prefillS = this.prefillTable
        ? n.attention * this.look2D('prefillAttention', this.prefillTable, total, context) * (agg.prefillAttentionPairs / pairsOfTotal)
        : this.fromFallback('prefillAttention', this.fallbackTerms(agg).prefillAttentionS);
    }

    let recurrentS = 0;
    const recurrentLayers = n.mlstm + n.slstm;
    if (recurrentLayers > 0 && tokens > 0) {
      let step = 0;
      let pre = 0;
      if (agg.decodeTokens > 0) {
        step = p.recurrentStep ? recurrentLayers * this.look1D('recurrentStep', p.recurrentStep, agg.decodeTokens) : NaN;
      }
      if (agg.prefillRequests > 0) {
        pre = p.recurrentPrefill
          ? recurrentLayers * agg.prefillRequests * this.look1D('recurrentPrefill', p.recurrentPrefill, agg.prefillTokens / agg.prefillRequests)
          : NaN;
      }
      recurrentS = Number.isNaN(step) || Number.isNaN(pre) ? this.fromFallback('recurrentStep', this.fallbackTerms(agg).recurrentS) : step + pre;
    }

    const e = this.ctx.policyKind === undefined ? undefined : p.enactment?.[this.ctx.policyKind];
    const overheadS = e ? e.iterationS + (e.perPrefillTokenS ?? 0) * agg.prefillTokens : (p.iterationOverheadS ?? this.fromFallback('overhead', this.fallbackTerms(agg).overheadS));
    // Allocation work as measured on the card when the profile has it, else as the policy modelled it.
    const work = e ? (agg.allocOps > 0 ? e.allocIterationS + e.perAllocOpS * agg.allocOps : 0) : agg.allocTimeS;
    // The measured work splits like the modelled one between ahead-of-need and needed-now.
    const ahead = e ? (agg.allocOps > 0 ? work * (agg.aheadAllocOps / agg.allocOps) : 0) : agg.aheadAllocTimeS;
    return composeIterationCost(out, this.ctx.allocationMode, gemmS, prefillS, decodeS, recurrentS, overheadS, work, ahead);
  }

  describe(): Record<string, unknown> {
    const p = this.ctx.profile;
    return {
      costModel: 'calibrated',
      profile: this.ctx.profilePath,
      card: p.card,
      driver: p.driver,
      date: p.date,
      pagedKernels: this.ctx.pagedKernels,
      blockSizeTokens: this.ctx.blockSizeTokens,
      allocationMode: this.ctx.allocationMode,
      provenance: this.counts,
    };
  }

  /** The roofline's terms for this iteration, priced only when some term falls back to them. */
  private fallbackTerms(agg: IterationAggregate): CostTerms {
    if (!this.fallbackPriced) {
      this.roofline.iterationCost(agg, this.fallback);
      this.fallbackPriced = true;
    }
    return this.fallback.terms;
  }

  private look1D(term: Term, t: Table1D, x: number): number {
    const e = interpolate1D(t, x, this.est);
    this.counts[term][e.provenance]++;
    return e.timeS;
  }

  private look2D(term: Term, t: Table2D, a: number, b: number): number {
    const e = interpolate2D(t, a, b, this.est);
    this.counts[term][e.provenance]++;
    return e.timeS;
  }

  private fromFallback(term: Term, timeS: number): number {
    this.counts[term]['roofline-fallback']++;
    return timeS;
  }
}

function countLayers(model: ModelSpec): Record<LayerKind, number> {
  const c: Record<LayerKind, number> = { attention: 0, mlstm: 0, slstm: 0 };
  for (const l of model.layers) c[l.kind]++;
  return c;
}
