import type { RunResult } from '../sim/metrics/RunResult.js';
import { sloGoodput, type Slo } from './sloGoodput.js';
import { offeredRatePerS } from './verdict.js';

/** One configuration (policy, model, GPU, TP, scheduler, trace) replayed at several arrival rates. */
export interface LoadSweepSeries {
  /** The run label without rate, e.g. `paged(block=16)`. */
  label: string;
  /** Runs in increasing offered rate, with that rate (requests/s). */
  points: { rateS: number; run: RunResult }[];
  /**
   * Lowest offered rate at which memory bound: a request's admission was refused for lack of memory
   * or a running request was preempted. Undefined when memory never bound in the sweep.
   */
  memoryBindsAtRateS?: number;
}

/** Fewest distinct rates that make a sweep (two points are a line, not a curve). */
export const MIN_SWEEP_RATES = 3;

/**
 * Finds rate sweeps among the runs: runs with the same configuration and trace but different offered
 * rates (measured from their arrivals, so `--rate`, `--time-scale` and generated traces all count).
 * Returns nothing when no configuration has {@link MIN_SWEEP_RATES} rates that differ by more than 1 %.
 */
export function loadSweep(runs: readonly RunResult[], labels: readonly string[]): LoadSweepSeries[] {
  const groups = new Map<string, { label: string; points: { rateS: number; run: RunResult }[] }>();
  runs.forEach((run, i) => {
    const rateS = offeredRatePerS(run);
    if (rateS === undefined) return;
    const c = run.config;
    // A generated trace names its rate (synthetic:conv:rate=8,...): the rate is the sweep's variable, not part of the trace.
    const trace = c.trace.replace(/([:,])rate=[^,]*(,|$)/, (_m, sep: string, end: string) => (end ? sep : ''));
    const key = JSON.stringify([c.policy, c.model, c.gpu, c.tp, c.scheduler, trace, c.backend]);
    const g = groups.get(key) ?? { label: labels[i].replace(/ #\d+$/, '').replace(/ @ [\d.]+ req\/s$/, ''), points: [] };
    g.points.push({ rateS, run });
    groups.set(key, g);
  });
  const out: LoadSweepSeries[] = [];
  for (const g of groups.values()) {
    const points = [...g.points].sort((a, b) => a.rateS - b.rateS);
    const distinct = points.filter((p, i) => i === 0 || p.rateS > points[i - 1].rateS * 1.01);
    if (distinct.length < MIN_SWEEP_RATES) continue;
    const binds = distinct.find((p) => p.run.summary.refused > 0 || p.run.summary.preemptions > 0);
    out.push({ label: g.label, points: distinct, memoryBindsAtRateS: binds?.rateS });
  }
  return out;
}

/**
 * The sweep's answer in one sentence: which configuration sustains the highest goodput at any rate
 * swept, and where each one's memory starts to bind. Derived from the runs; undefined without a sweep.
 */
export function sweepHeadline(sweep: readonly LoadSweepSeries[], slo: Slo): string | undefined {
  if (sweep.length === 0) return undefined;
  const peaks = sweep.map((s) => {
    let best = { goodput: -1, rateS: NaN };
    for (const p of s.points) {
      const g = sloGoodput(p.run, slo)?.perS;
      if (g !== undefined && g > best.goodput) best = { goodput: g, rateS: p.rateS };
    }
    return { label: s.label, ...best, binds: s.memoryBindsAtRateS };
  });
  if (peaks.every((p) => p.goodput < 0)) return undefined;
  const sorted = [...peaks].sort((a, b) => b.goodput - a.goodput);
  const top = sorted[0];
  const rest = sorted.slice(1).map((p) => `${p.label} ${p.goodput.toFixed(2)}`).join(', ');
  const binds = peaks.map((p) => `${p.label} from ${p.binds === undefined ? 'no rate swept' : `${Number(p.binds.toPrecision(3))} req/s`}`).join(', ');
  return (
    `Under load, ${top.label} sustains the most goodput: ${top.goodput.toFixed(2)} req/s within the SLO at ${Number(top.rateS.toPrecision(3))} req/s offered` +
    `${rest ? ` (best of the others: ${rest})` : ''}. Memory binds (first refusal or preemption): ${binds}.`
  );
}
