import type { RunResult } from '../metrics/RunResult.js';
import { quantileSorted } from '../stats/quantile.js';
import { endToEndErrors } from './compareRuns.js';

/** One GPU replay and its iterations' plan columns (what `kvsim validate` records per iteration). */
export interface GpuRunSample {
  run: RunResult;
  pairs: {
    gpuS: ArrayLike<number>;
    batchSize: ArrayLike<number>;
    prefillTokens: ArrayLike<number>;
    decodeTokens: ArrayLike<number>;
    prefillKvTokens: ArrayLike<number>;
    decodeKvTokens: ArrayLike<number>;
    allocOps: ArrayLike<number>;
  };
}

/** How much repeated GPU replays of one trace differ from the first: the yardstick for validation errors. */
export interface GpuSpread {
  /** GPU replays compared (the first and the repeats). */
  runs: number;
  /**
   * Iterations with the same plan (batch, prefill and decode tokens, KV tokens, allocation ops) in the
   * first run and a repeat: |mean_repeat - mean_first| / mean_first per plan, over every repeat.
   */
  samePlan: { plans: number; median: number; p95: number; max: number; /** Time-weighted signed (repeat - first) / first. */ bias: number };
  /** Largest |(repeat - first) / first| over the repeats, per end-to-end figure. */
  endToEnd: { makespanS: number; ttftP50: number; ttftP99: number; tbtP50: number; tbtP99: number };
}

function planKey(p: GpuRunSample['pairs'], i: number): string {
  return `${p.batchSize[i]}|${p.prefillTokens[i]}|${p.decodeTokens[i]}|${p.prefillKvTokens[i]}|${p.decodeKvTokens[i]}|${p.allocOps[i]}`;
}

/** Mean measured time per distinct plan of one run. */
function meanByPlan(p: GpuRunSample['pairs']): Map<string, { sumS: number; n: number }> {
  const m = new Map<string, { sumS: number; n: number }>();
  for (let i = 0; i < p.gpuS.length; i++) {
    const k = planKey(p, i);
    const e = m.get(k) ?? { sumS: 0, n: 0 };
    e.sumS += p.gpuS[i];
    e.n++;
    m.set(k, e);
  }
  return m;
}

/**
 * The GPU's own run-to-run spread over repeated replays of the same trace on the same card (`kvsim
 * validate --repeat N`). Why: the same replay on one H100 moved by ~1% between repeats and by 2.4% between
 * leases (README, "How much the GPU itself moves"), so a simulator error is only meaningful beside it.
 * Independent replays can schedule differently, so iterations are compared by plan, not by index.
 */
export function gpuSpread(samples: readonly GpuRunSample[]): GpuSpread {
  if (samples.length < 2) throw new RangeError(`gpuSpread: needs at least 2 GPU runs, got ${samples.length}`);
  const first = meanByPlan(samples[0].pairs);
  const rel: number[] = [];
  let diffS = 0;
  let baseS = 0;
  const e2e = { makespanS: 0, ttftP50: 0, ttftP99: 0, tbtP50: 0, tbtP99: 0 };
  for (const s of samples.slice(1)) {
    for (const [k, r] of meanByPlan(s.pairs)) {
      const f = first.get(k);
      if (!f) continue;
      const a = f.sumS / f.n;
      const b = r.sumS / r.n;
      rel.push(Math.abs(b - a) / a);
      // Weighted by how often the plan ran in both, so frequent plans count as much as they cost.
      const w = Math.min(f.n, r.n);
      diffS += w * (b - a);
      baseS += w * a;
    }
    const e = endToEndErrors(s.run.summary, samples[0].run.summary);
    for (const k of Object.keys(e2e) as (keyof typeof e2e)[]) e2e[k] = Math.max(e2e[k], Math.abs(e[k]));
  }
  rel.sort((x, y) => x - y);
  return {
    runs: samples.length,
    samePlan: {
      plans: rel.length,
      median: quantileSorted(rel, 0.5),
      p95: quantileSorted(rel, 0.95),
      max: rel.length ? rel[rel.length - 1] : Number.NaN,
      bias: baseS > 0 ? diffS / baseS : Number.NaN,
    },
    endToEnd: e2e,
  };
}

/** The lines `kvsim validate --repeat N` prints beside the errors. */
export function formatGpuSpread(s: GpuSpread): string {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const e = s.endToEnd;
  return (
    `GPU run-to-run spread (${s.runs} replays on this GPU, repeats vs the first; the errors above use the first): ` +
    `same-plan iterations (${s.samePlan.plans} plans) median ${pct(s.samePlan.median)}, p95 ${pct(s.samePlan.p95)}, max ${pct(s.samePlan.max)}, bias ${pct(s.samePlan.bias)}; ` +
    `makespan ±${pct(e.makespanS)}, TTFT p50 ±${pct(e.ttftP50)} p99 ±${pct(e.ttftP99)}, TBT p50 ±${pct(e.tbtP50)} p99 ±${pct(e.tbtP99)}\n`
  );
}
