import type { RunResult, RunSummary } from '../metrics/RunResult.js';
import { quantileSorted } from '../stats/quantile.js';
import { phaseErrors, type PerPhaseErrors, type PhasePairs } from './phaseErrors.js';
import { replayDrift, type ReplayDrift } from './replayDrift.js';

/** Per-iteration relative error statistics of |sim - gpu| / gpu. */
export interface ErrorStats {
  count: number;
  median: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  /** Signed mean of (sim - gpu) / gpu: positive when the simulator over-predicts. */
  meanSigned: number;
}

/** Relative end-to-end errors (sim - gpu) / gpu of a replay's summary figures. */
export interface EndToEndErrors {
  makespanS: number;
  outputTokensPerS: number;
  ttftP50: number;
  ttftP90: number;
  ttftP99: number;
  tbtP50: number;
  tbtP90: number;
  tbtP99: number;
  e2eP50: number;
  e2eP90: number;
  e2eP99: number;
}

/** The accuracy targets of issue 7, and whether a validation met them. */
export const VALIDATION_TARGETS = { iterationMedian: 0.03, iterationP95: 0.08, makespan: 0.02 } as const;

export interface ValidationSummary {
  perIteration: ErrorStats;
  endToEnd: EndToEndErrors;
  targets: { iterationMedian: boolean; iterationP95: boolean; makespan: boolean };
  /** Per-iteration errors by phase, allocation work and first-of-token-count; absent when the pairs lack token columns. */
  perPhase?: PerPhaseErrors;
  /** How the two independent replays' schedules drift apart; absent when they cannot be compared (see driftUnavailable). */
  drift?: ReplayDrift;
  /** Why the schedules were not compared (e.g. downsampled iterations). */
  driftUnavailable?: string;
}

/** Validation pairs: predictions and measurements, with the iteration columns the per-phase split needs when present. */
export type ValidationPairs = { simS: ArrayLike<number>; gpuS: ArrayLike<number> } & Partial<Omit<PhasePairs, 'simS' | 'gpuS'>>;

/** Error statistics of predicted vs measured times of the same iterations. */
export function iterationErrors(simS: ArrayLike<number>, gpuS: ArrayLike<number>): ErrorStats {
  if (simS.length !== gpuS.length) throw new RangeError(`iterationErrors: ${simS.length} predictions but ${gpuS.length} measurements`);
  const rel = new Float64Array(simS.length);
  let signed = 0;
  for (let i = 0; i < simS.length; i++) {
    const r = (simS[i] - gpuS[i]) / gpuS[i];
    signed += r;
    rel[i] = Math.abs(r);
  }
  rel.sort();
  return {
    count: rel.length,
    median: quantileSorted(rel, 0.5),
    p90: quantileSorted(rel, 0.9),
    p95: quantileSorted(rel, 0.95),
    p99: quantileSorted(rel, 0.99),
    max: rel.length ? rel[rel.length - 1] : Number.NaN,
    meanSigned: rel.length ? signed / rel.length : Number.NaN,
  };
}

/** Relative errors of the simulator's summary against the GPU replay's. */
export function endToEndErrors(sim: RunSummary, gpu: RunSummary): EndToEndErrors {
  const e = (s: number, g: number) => (s - g) / g;
  return {
    makespanS: e(sim.makespanS, gpu.makespanS),
    outputTokensPerS: e(sim.outputTokensPerS, gpu.outputTokensPerS),
    ttftP50: e(sim.ttftS.p50, gpu.ttftS.p50),
    ttftP90: e(sim.ttftS.p90, gpu.ttftS.p90),
    ttftP99: e(sim.ttftS.p99, gpu.ttftS.p99),
    tbtP50: e(sim.tbtS.p50, gpu.tbtS.p50),
    tbtP90: e(sim.tbtS.p90, gpu.tbtS.p90),
    tbtP99: e(sim.tbtS.p99, gpu.tbtS.p99),
    e2eP50: e(sim.e2eS.p50, gpu.e2eS.p50),
    e2eP90: e(sim.e2eS.p90, gpu.e2eS.p90),
    e2eP99: e(sim.e2eS.p99, gpu.e2eS.p99),
  };
}

/**
 * Compares a simulator replay with a GPU replay of the same trace and configuration. `pairs` are the
 * simulator's predictions for the GPU replay's own iterations (same plans), so per-iteration errors
 * measure the cost model alone (split by phase when the pairs carry token columns); end-to-end errors
 * also include schedule divergence, which `drift` locates (first divergent iteration and request).
 */
export function compareRuns(sim: RunResult, gpu: RunResult, pairs: ValidationPairs): ValidationSummary {
  const perIteration = iterationErrors(pairs.simS, pairs.gpuS);
  const endToEnd = endToEndErrors(sim.summary, gpu.summary);
  const { prefillTokens, decodeTokens, allocOps, mapS, simStallS } = pairs;
  const perPhase = prefillTokens && decodeTokens ? phaseErrors({ simS: pairs.simS, gpuS: pairs.gpuS, prefillTokens, decodeTokens, allocOps, mapS, simStallS }) : undefined;
  let drift: ReplayDrift | undefined;
  let driftUnavailable: string | undefined;
  try {
    for (const [name, r] of [['simulator', sim], ['GPU', gpu]] as const) {
      // A run written without per-request columns or iteration records cannot show its schedule.
      if (r.iterations.stride === 1 && r.iterations.startS.length !== r.summary.iterations) throw new RangeError(`compareRuns: the ${name} run records ${r.iterations.startS.length} of its ${r.summary.iterations} iterations`);
      if (r.requests.arrivalS.length !== r.summary.requests) throw new RangeError(`compareRuns: the ${name} run records ${r.requests.arrivalS.length} of its ${r.summary.requests} requests`);
    }
    drift = replayDrift(sim, gpu);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    driftUnavailable = e.message;
  }
  return {
    perIteration,
    endToEnd,
    targets: {
      iterationMedian: perIteration.median < VALIDATION_TARGETS.iterationMedian,
      iterationP95: perIteration.p95 < VALIDATION_TARGETS.iterationP95,
      makespan: Math.abs(endToEnd.makespanS) < VALIDATION_TARGETS.makespan,
    },
    ...(perPhase ? { perPhase } : {}),
    ...(drift ? { drift } : {}),
    ...(driftUnavailable !== undefined ? { driftUnavailable } : {}),
  };
}
