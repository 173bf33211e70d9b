import { quantileSorted } from '../stats/quantile.js';
import type { Percentiles } from './RunResult.js';

/** Exact nearest-rank percentiles of numbers (NaN ignored; src/sim/stats/quantile.ts). For tests and small per-request columns. */
export function exactPercentiles(values: ArrayLike<number>): Percentiles {
  const xs: number[] = [];
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) xs.push(values[i]);
  if (xs.length === 0) return { mean: Number.NaN, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN };
  xs.sort((a, b) => a - b);
  const at = (q: number) => quantileSorted(xs, q, 'nearest-rank');
  let sum = 0;
  for (const x of xs) sum += x;
  return { mean: sum / xs.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: xs[xs.length - 1] };
}
