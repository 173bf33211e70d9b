import type { RunResult } from '../sim/metrics/RunResult.js';
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
