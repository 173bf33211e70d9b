import { expected } from '../../errors.js';
import { normalCdf, normalQuantile } from './normal.js';

/** A lognormal, optionally truncated above: ln X ~ Normal(mu, sigma), X <= maxValue. */
export interface LognormalParams {
  mu: number;
  sigma: number;
  /** Upper truncation point; Infinity when untruncated. */
  maxValue: number;
}

/**
 * Fits a lognormal to a published median and 90th percentile. Without `maxValue` this is closed
 * form: mu = ln(median), sigma = ln(p90/median) / z(0.9). With `maxValue` (a trace's observed
 * maximum) the distribution is truncated there, which moves its quantiles down, so the fit is solved
 * by fixed-point iteration: quantile q of the truncated law is the untruncated quantile
 * q * F(maxValue), which gives two linear equations in (mu, sigma) for the current F(maxValue).
 */
export function fitLognormal(median: number, p90: number, maxValue = Infinity): LognormalParams {
  if (!(median > 0) || !Number.isFinite(median)) throw expected('a positive number', 'median', median);
  if (!(p90 > median) || !Number.isFinite(p90)) throw expected(`a number above the median ${median}`, 'p90', p90);
  if (!(maxValue > p90)) throw expected(`a number above the p90 ${p90}`, 'max', maxValue);
  const lnMedian = Math.log(median);
  const lnP90 = Math.log(p90);
  let mu = lnMedian;
  let sigma = (lnP90 - lnMedian) / normalQuantile(0.9);
  if (maxValue === Infinity) return { mu, sigma, maxValue };
  const lnMax = Math.log(maxValue);
  for (let iter = 0; iter < 200; iter++) {
    const fMax = normalCdf((lnMax - mu) / sigma);
    const z50 = normalQuantile(0.5 * fMax);
    const z90 = normalQuantile(0.9 * fMax);
    const nextSigma = (lnP90 - lnMedian) / (z90 - z50);
    const nextMu = lnMedian - nextSigma * z50;
    const done = Math.abs(nextSigma - sigma) < 1e-12 && Math.abs(nextMu - mu) < 1e-12;
    mu = nextMu;
    sigma = nextSigma;
    if (done) break;
  }
  if (!Number.isFinite(mu) || !Number.isFinite(sigma) || sigma <= 0) {
    throw expected(`a max well above the p90 (no truncated lognormal has median ${median} and p90 ${p90})`, 'max', maxValue);
  }
  return { mu, sigma, maxValue };
}

/** The value at quantile `p` of a (truncated) lognormal: inverse-CDF sampling feeds it a uniform. */
export function lognormalQuantile(params: LognormalParams, p: number): number {
  const fMax = params.maxValue === Infinity ? 1 : normalCdf((Math.log(params.maxValue) - params.mu) / params.sigma);
  return Math.exp(params.mu + params.sigma * normalQuantile(p * fMax));
}
