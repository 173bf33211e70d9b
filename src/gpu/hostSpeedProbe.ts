import type { CalibrationProfile, Table1D, Table2D } from '../sim/cost/calibrated/CalibrationProfile.js';
import { attentionLayers } from '../sim/model/derived.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
import { UserError } from '../errors.js';
import { GpuModel } from './GpuModel.js';
import type { NativeBinding } from './NativeBinding.js';
import type { GpuProfileOp } from './NativeGpuModel.js';

/** One profile cell re-measured by the probe. */
export interface HostProbeCell {
  /** e.g. `layerGemm.attention tokens=8`. */
  cell: string;
  /** The profile's time, s. */
  profileS: number;
  /** Measured now on this GPU, s. */
  measuredS: number;
  /** How often the cell occurs in the probe's two reference iterations (layers x uses). */
  weight: number;
}

/** What the probe found: measured / profile over the reference iterations. */
export interface HostProbeResult {
  /** sum(weight x measured) / sum(weight x profile): > 1 means this GPU runs the profile's kernels slower now. */
  factor: number;
  cells: HostProbeCell[];
  /** Wall time of the probe, s (model set-up included). */
  wallS: number;
}

export interface HostProbeOptions {
  model: ModelSpec;
  tp: number;
  /** Paged block size the replay uses (its tables are probed); contiguous when absent. */
  pagedBlockSize?: number;
  device?: number;
  /** Timed repetitions per cell (median). @defaultValue 21 */
  reps?: number;
}

/*
 * Measured (NVIDIA H100 80GB HBM3, 2026-12-06, bash bench/gpu/card-session.sh, Mooncake 300 @10/s, V1 +
 * prefix caching): probe factor 1.0124 (GEMM cells 1.011-1.018, paged decode 8x2048 0.931); with it the
 * replay's per-iteration median error was 3.65% (decode-only bias +3.31%), without it 3.48% (+3.38%) on
 * the same lease. So `kvsim validate` runs it only when asked (--host-probe).
 */

/** A factor outside this range means the profile is not this card's (or the card is broken): refuse. */
export const HOST_PROBE_FACTOR_RANGE = [0.67, 1.5] as const;

/**
 * The host-speed probe of a validation: before the two replays, re-measures a handful of the
 * profile's own cells on this GPU (the same native timing path as `kvsim calibrate`) and returns how
 * much slower or faster this lease runs them than the profile says. Why: the same H100 model measured
 * ~2.4% faster decode iterations on one lease than on another the same day (issue 21; whole-trace
 * replays, every batch size alike), which a fixed profile cannot know. The cells are those of two
 * reference iterations fixed here (a decode step of 8 requests at 2,048 tokens of context and a
 * 1,024-token prefill chunk), never taken from the trace being validated, so the validation stays
 * held out. Only kernel times are probed; host-side fits (launch gaps, allocation work) are not.
 */
export function hostSpeedProbe(binding: NativeBinding, profile: CalibrationProfile, o: HostProbeOptions): HostProbeResult {
  const t0 = performance.now();
  const attention = attentionLayers(o.model).length;
  const mlstm = o.model.layers.filter((l) => l.kind === 'mlstm').length;
  const slstm = o.model.layers.filter((l) => l.kind === 'slstm').length;
  const reps = o.reps ?? 21;
  const plan: { cell: string; op: GpuProfileOp; params: Record<string, number>; profileS: number; weight: number }[] = [];
  const add1 = (name: string, t: Table1D | undefined, want: number, op: GpuProfileOp, param: string, extra: Record<string, number>, weight: number) => {
    if (!t || weight === 0) return;
    const i = nearestIndex(t.x, want);
    plan.push({ cell: `${name} ${t.xName ?? param}=${t.x[i]}`, op, params: { ...extra, [param]: t.x[i] }, profileS: t.timeS[i], weight });
  };
  const add2 = (name: string, t: Table2D | undefined, wantA: number, wantB: number, op: GpuProfileOp, params: (a: number, b: number) => Record<string, number>, weight: number) => {
    if (!t || weight === 0) return;
    const i = nearestIndex(t.a, wantA);
    const j = nearestIndex(t.b, wantB);
    plan.push({ cell: `${name} ${t.a[i]}x${t.b[j]}`, op, params: params(t.a[i], t.b[j]), profileS: t.timeS[i][j], weight });
  };
  for (const tokens of [8, 1024]) {
    add1('layerGemm.attention', profile.layerGemm?.attention, tokens, 'layerGemm', 'tokens', { kind: 0 }, attention);
    add1('layerGemm.mlstm', profile.layerGemm?.mlstm, tokens, 'layerGemm', 'tokens', { kind: 1 }, mlstm);
    add1('layerGemm.slstm', profile.layerGemm?.slstm, tokens, 'layerGemm', 'tokens', { kind: 2 }, slstm);
  }
  add1('lmHead', profile.lmHead, 8, 'lmHead', 'rows', {}, 2);
  const block = o.pagedBlockSize;
  const decode = block ? profile.decodeAttention?.paged?.[String(block)] : profile.decodeAttention?.contiguous;
  const prefill = block ? profile.prefillAttention?.paged?.[String(block)] : profile.prefillAttention?.contiguous;
  const kv = (paged: boolean) => (paged ? { paged: 1, blockSize: block! } : { paged: 0, blockSize: 16 });
  add2(block ? `decodeAttention.paged.${block}` : 'decodeAttention.contiguous', decode, 8, 2048, 'decode', (batch, context) => ({ batch, context, ...kv(!!block) }), attention);
  add2(block ? `prefillAttention.paged.${block}` : 'prefillAttention.contiguous', prefill, 1024, 0, 'prefill', (chunk, context) => ({ chunk, context, ...kv(!!block) }), attention);
  add1('recurrentStep', profile.recurrentStep, 8, 'mlstmStep', 'batch', {}, mlstm);
  add1('recurrentPrefill', profile.recurrentPrefill, 1024, 'mlstmPrefill', 'tokens', {}, mlstm);
  // sLSTM prefill is one step launch per token, priced from the same step kernel: the step cell stands for both.
  add1('slstmStep', profile.slstmStep, 8, 'slstmStep', 'batch', {}, slstm);
  if (plan.length === 0) throw new UserError('HOST_PROBE', `host-speed probe: the profile has no table for ${o.model.name}'s layers`);

  const gm = new GpuModel(binding, {
    model: o.model,
    tp: o.tp,
    maxTokens: Math.max(...plan.map((p) => p.params.tokens ?? p.params.chunk ?? p.params.batch ?? p.params.rows ?? 1)),
    maxBatch: Math.max(...plan.map((p) => p.params.rows ?? p.params.batch ?? 1)),
    maxContext: Math.max(...plan.map((p) => (p.params.context ?? 0) + (p.params.chunk ?? 0)), 1),
    kv: { layout: 'none' },
    stateSlots: mlstm + slstm > 0 ? Math.max(...plan.map((p) => p.params.batch ?? 1)) : 0,
    device: o.device,
    profileOnly: true,
  });
  try {
    const cells = plan.map((p) => ({ cell: p.cell, profileS: p.profileS, measuredS: gm.time(p.op, { ...p.params, reps }), weight: p.weight }));
    const num = cells.reduce((s, c) => s + c.weight * c.measuredS, 0);
    const den = cells.reduce((s, c) => s + c.weight * c.profileS, 0);
    const factor = num / den;
    const [lo, hi] = HOST_PROBE_FACTOR_RANGE;
    if (!(factor >= lo && factor <= hi)) {
      throw new UserError('HOST_PROBE', `host-speed probe: this GPU runs the profile's cells at x${factor.toFixed(3)} of its times (expected ${lo}..${hi}): the profile was not measured on a card like this one; pass the right --profile, or leave out --host-probe`);
    }
    return { factor, cells, wallS: (performance.now() - t0) / 1000 };
  } finally {
    gm.destroy();
  }
}

function nearestIndex(xs: readonly number[], want: number): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (Math.abs(Math.log(xs[i] / want)) < Math.abs(Math.log(xs[best] / want))) best = i;
  return best;
}

/** One line for the validation output. */
export function formatHostProbe(r: HostProbeResult): string {
  const cells = r.cells.map((c) => `${c.cell} ${(c.measuredS / c.profileS).toFixed(3)}`).join(', ');
  return `host-speed probe: this GPU runs the profile's kernels at x${r.factor.toFixed(4)} of its times (${r.cells.length} cells re-measured in ${r.wallS.toFixed(1)} s: ${cells}); kernel tables scaled by it, host-side fits kept\n`;
}
