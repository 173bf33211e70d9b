import { nearestRank } from '../stats/quantile.js';
import type { Percentiles } from './RunResult.js';

/**
 * Streaming percentiles in constant memory: logarithmic buckets with relative accuracy `alpha`
 * (bucket i covers (gamma^(i-1), gamma^i], gamma = (1+alpha)/(1-alpha), as in DDSketch), so any
 * percentile is within `alpha` of a true sample value, clamped to the exact min and max. Counts are
 * integers, so adding a value with weight w is exactly the same as adding it w times — which the
 * engine's skip-ahead relies on. Mean, min and max are exact.
 *
 * Why not exact percentiles: per-token latencies (TBT) of a million-request replay are hundreds of
 * millions of samples; a sorted array of them would make memory grow with the trace.
 */
export class LogHistogram {
  readonly alpha: number;
  private readonly logGamma: number;
  private readonly gamma: number;
  private readonly minIndex: number;
  private readonly counts: Float64Array;
  private zeros = 0;
  private n = 0;
  private sum = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;

  /** Values in [minValue, maxValue] get relative accuracy alpha; outside, they fall in the end buckets. */
  constructor(alpha = 1e-3, minValue = 1e-9, maxValue = 1e9) {
    this.alpha = alpha;
    this.gamma = (1 + alpha) / (1 - alpha);
    this.logGamma = Math.log(this.gamma);
    this.minIndex = Math.ceil(Math.log(minValue) / this.logGamma);
    const maxIndex = Math.ceil(Math.log(maxValue) / this.logGamma);
    this.counts = new Float64Array(maxIndex - this.minIndex + 1);
  }

  get count(): number {
    return this.n;
  }

  /** Adds `value` with integer weight `weight` (default 1). */
  add(value: number, weight = 1): void {
    this.n += weight;
    this.sum += value * weight;
    if (value < this.lo) this.lo = value;
    if (value > this.hi) this.hi = value;
    if (value <= 0) {
      this.zeros += weight;
      return;
    }
    let i = Math.ceil(Math.log(value) / this.logGamma) - this.minIndex;
    if (i < 0) i = 0;
    else if (i >= this.counts.length) i = this.counts.length - 1;
    this.counts[i] += weight;
  }

  /** Estimate of the nearest-rank percentile (src/sim/stats/quantile.ts), q in [0, 1]; NaN when empty. */
  quantile(q: number): number {
    if (this.n === 0) return Number.NaN;
    const rank = nearestRank(this.n, q);
    // Non-positive values share one bucket: report 0, or the exact extreme when every value is negative.
    if (rank <= this.zeros) return Math.max(this.lo, Math.min(0, this.hi));
    let seen = this.zeros;
    const c = this.counts;
    for (let i = 0; i < c.length; i++) {
      seen += c[i];
      if (seen >= rank) {
        const estimate = (2 * Math.pow(this.gamma, i + this.minIndex)) / (this.gamma + 1);
        return Math.min(this.hi, Math.max(this.lo, estimate));
      }
    }
    return this.hi;
  }

  summary(): Percentiles {
    if (this.n === 0) return { mean: Number.NaN, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN };
    return { mean: this.sum / this.n, p50: this.quantile(0.5), p90: this.quantile(0.9), p99: this.quantile(0.99), max: this.hi };
  }
}
