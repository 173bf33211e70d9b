import { quantileSorted } from '../stats/quantile.js';
import { ITERATION_PHASES, iterationPhase, type IterationPhase } from './iterationPhase.js';

/** Error statistics of one group of iterations (see iterationErrors), with the time it adds up to. */
export interface GroupErrors {
  count: number;
  median: number;
  p95: number;
  p99: number;
  max: number;
  /** Signed mean of (sim - gpu) / gpu over the group's iterations. */
  meanSigned: number;
  /** Measured time of the group's iterations, seconds. */
  gpuTotalS: number;
  /**
   * Sum of (sim - gpu) over the group, seconds: how far these iterations alone move the clock of a
   * replay that prices the same plans (positive: the simulator runs late).
   */
  signedTotalS: number;
}

/**
 * Per-iteration errors split by what the iteration does. The phases partition the iterations;
 * `allocation` and the token-count split cut across them.
 */
export interface PerPhaseErrors extends Record<IterationPhase, GroupErrors> {
  /** Iterations with allocation work (allocOps > 0); absent when the pairs lack allocOps. */
  allocation?: GroupErrors;
  /**
   * The first iteration of the run with its token count (prefill + decode tokens, the M of every
   * GEMM): cuBLAS chooses and caches a kernel per new shape, so these run slower than repeats.
   */
  firstOfTokenCount: GroupErrors;
  /** Iterations whose token count ran before in the same run. */
  repeatedTokenCount: GroupErrors;
  /**
   * Every iteration with memory enactment taken out of both sides: (sim - modelled stall) against
   * (measured - enactment time). What is left is the kernel tables' and the overhead fit's error, so a
   * gap that vanishes here is the allocation model's (or the executor's enactment); absent when the
   * pairs lack mapS and simStallS.
   */
  withoutEnactment?: GroupErrors;
}

/** The columns of validation pairs the split needs (GpuExecutor's pairs, the validation file's iterations). */
export interface PhasePairs {
  simS: ArrayLike<number>;
  gpuS: ArrayLike<number>;
  prefillTokens: ArrayLike<number>;
  decodeTokens: ArrayLike<number>;
  allocOps?: ArrayLike<number>;
  /** Measured enactment (memory-operation) seconds of each iteration. */
  mapS?: ArrayLike<number>;
  /** The simulator's modelled allocation stall of each iteration, seconds. */
  simStallS?: ArrayLike<number>;
}

/** Statistics of the iterations `members` selects. */
export function groupErrors(simS: ArrayLike<number>, gpuS: ArrayLike<number>, members: readonly number[]): GroupErrors {
  const rel = new Float64Array(members.length);
  let signed = 0;
  let gpuTotalS = 0;
  let signedTotalS = 0;
  members.forEach((i, j) => {
    const r = (simS[i] - gpuS[i]) / gpuS[i];
    signed += r;
    rel[j] = Math.abs(r);
    gpuTotalS += gpuS[i];
    signedTotalS += simS[i] - gpuS[i];
  });
  rel.sort();
  const n = rel.length;
  return {
    count: n,
    median: quantileSorted(rel, 0.5),
    p95: quantileSorted(rel, 0.95),
    p99: quantileSorted(rel, 0.99),
    max: n > 0 ? rel[n - 1] : Number.NaN,
    meanSigned: n > 0 ? signed / n : Number.NaN,
    gpuTotalS,
    signedTotalS,
  };
}

/**
 * Splits per-iteration errors by phase (prefill-only, mixed, decode-only), by allocation work and by
 * whether the iteration is the first of its token count. Pairs are in the GPU replay's iteration order.
 */
export function phaseErrors(p: PhasePairs): PerPhaseErrors {
  const n = p.gpuS.length;
  for (const k of ['simS', 'prefillTokens', 'decodeTokens', 'allocOps', 'mapS', 'simStallS'] as const) {
    const col = p[k];
    if (col !== undefined && col.length !== n) throw new RangeError(`phaseErrors: ${k} has ${col.length} entries but gpuS ${n}`);
  }
  const byPhase: Record<IterationPhase, number[]> = { prefillOnly: [], mixed: [], decodeOnly: [] };
  const alloc: number[] = [];
  const first: number[] = [];
  const repeated: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    byPhase[iterationPhase(p.prefillTokens[i], p.decodeTokens[i])].push(i);
    if (p.allocOps && p.allocOps[i] > 0) alloc.push(i);
    const tokens = p.prefillTokens[i] + p.decodeTokens[i];
    (seen.has(tokens) ? repeated : first).push(i);
    seen.add(tokens);
  }
  const g = (m: number[]) => groupErrors(p.simS, p.gpuS, m);
  const out = Object.fromEntries(ITERATION_PHASES.map((ph) => [ph, g(byPhase[ph])])) as Record<IterationPhase, GroupErrors>;
  let withoutEnactment: GroupErrors | undefined;
  if (p.mapS && p.simStallS) {
    const sim = Float64Array.from({ length: n }, (_, i) => p.simS[i] - p.simStallS![i]);
    const gpu = Float64Array.from({ length: n }, (_, i) => p.gpuS[i] - p.mapS![i]);
    withoutEnactment = groupErrors(sim, gpu, Array.from({ length: n }, (_, i) => i));
  }
  return {
    ...out,
    ...(p.allocOps ? { allocation: g(alloc) } : {}),
    firstOfTokenCount: g(first),
    repeatedTokenCount: g(repeated),
    ...(withoutEnactment ? { withoutEnactment } : {}),
  };
}
