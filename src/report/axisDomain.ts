/**
 * A domain d3 can put ticks on. d3's tick step underflows (and `ticks()` throws "Invalid array
 * length") when the span is sub-normal, e.g. [5e-324, 1e-323]; a zero or vanishing span gives no ticks
 * at all. Such data (one instant, all-equal values) is widened around its centre: by 5 % of the
 * value, or to ±0.5 around zero. Log domains must be positive: they fall back to [1, 10].
 */
export function axisDomain(lo: number | undefined, hi: number | undefined, kind: 'linear' | 'log' = 'linear'): [number, number] {
  if (kind === 'log') {
    if (lo === undefined || hi === undefined || !(lo > 0) || !(hi > 0) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [1, 10];
    return hi / lo > 1 + 1e-9 ? [lo, hi] : [lo / 2, hi * 2];
  }
  if (lo === undefined || hi === undefined || !Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  const span = hi - lo;
  if (span > 1e-200 && span >= 1e-9 * Math.max(Math.abs(lo), Math.abs(hi))) return [lo, hi];
  const centre = (lo + hi) / 2;
  const half = Math.abs(centre) > 1e-200 ? Math.abs(centre) * 0.05 : 0.5;
  return [centre - half, centre + half];
}
