/** Median and 90th percentile (nearest rank) of per-call timings; NaN for no samples. */
export function medianP90(values: ArrayLike<number>): { median: number; p90: number; n: number } {
  const xs = Array.from(values).sort((a, b) => a - b);
  if (xs.length === 0) return { median: Number.NaN, p90: Number.NaN, n: 0 };
  const mid = xs.length >> 1;
  const median = xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
  const p90 = xs[Math.max(1, Math.ceil(0.9 * xs.length)) - 1];
  return { median, p90, n: xs.length };
}
