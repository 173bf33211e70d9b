/** Bins of one series: left edges (seconds), mean, min, max and record count per bin. */
export interface SeriesBins {
  t: number[];
  mean: number[];
  min: number[];
  max: number[];
  n: number[];
}

/**
 * Merges every `factor` consecutive fine bins (counted from `startS` in steps of `binS`) into one:
 * count-weighted mean, min of minima, max of maxima. The page's script does the same on zoom, so
 * the static drawing and a zoomed-out one agree. Pure.
 */
export function mergeBins(b: SeriesBins, startS: number, binS: number, factor: number): SeriesBins {
  if (factor <= 1) return b;
  const out: SeriesBins = { t: [], mean: [], min: [], max: [], n: [] };
  let group = NaN;
  let sum = 0;
  let w = 0;
  let lo = Infinity;
  let hi = -Infinity;
  let count = 0;
  const flush = () => {
    if (Number.isNaN(group)) return;
    out.t.push(startS + group * factor * binS);
    out.mean.push(w > 0 ? sum / w : NaN);
    out.min.push(lo === Infinity ? NaN : lo);
    out.max.push(hi === -Infinity ? NaN : hi);
    out.n.push(count);
  };
  for (let i = 0; i < b.t.length; i++) {
    const g = Math.floor(Math.round((b.t[i] - startS) / binS) / factor);
    if (g !== group) {
      flush();
      group = g;
      sum = 0;
      w = 0;
      lo = Infinity;
      hi = -Infinity;
      count = 0;
    }
    count += b.n[i];
    if (Number.isFinite(b.mean[i])) {
      sum += b.mean[i] * b.n[i];
      w += b.n[i];
    }
    if (b.min[i] < lo) lo = b.min[i];
    if (b.max[i] > hi) hi = b.max[i];
  }
  flush();
  return out;
}
