/**
 * kvsim's one definition of a percentile, with the two methods it prints figures by:
 *
 * - `nearest-rank` (kvsim's own figures: latency summaries, validation error statistics): the
 *   smallest sample with at least a fraction q of the samples at or below it, i.e. the sample of
 *   1-based rank max(1, ceil(q * n)). Always a value that occurred. LogHistogram estimates this same
 *   rank (nearestRank), so exact and streaming summaries agree within the histogram's accuracy.
 * - `linear` (figures that must match another tool's): linear interpolation between the closest
 *   ranks, position (n - 1) * q, which is numpy.percentile's default (and d3.quantileSorted's, R-7).
 *   vLLM's benchmark metrics (benchmarks/benchmark_serving.py, calculate_metrics, np.percentile) and
 *   `kvsim trace stats` (length percentiles of a trace, as an analysis in numpy gives them) use it.
 */
export type QuantileMethod = 'nearest-rank' | 'linear';

/** The 1-based rank of the q-quantile of n samples under nearest-rank: max(1, ceil(q * n)). */
export function nearestRank(n: number, q: number): number {
  return Math.max(1, Math.ceil(q * n));
}

/** The q-quantile (q in [0, 1]) of ascending `sorted` values; NaN when there are none. */
export function quantileSorted(sorted: ArrayLike<number>, q: number, method: QuantileMethod = 'nearest-rank'): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (method === 'nearest-rank') return sorted[nearestRank(n, q) - 1];
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
