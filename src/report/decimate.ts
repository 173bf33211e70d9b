/**
 * Thins a series for drawing without losing its extremes: the index range is cut into `buckets`
 * consecutive slices and each slice keeps its first, minimum, maximum and last point, in index order.
 * Peaks (what memory charts are read for) survive; a 10^6-iteration replay draws in a few KB of SVG.
 * Non-finite values are dropped. Pure and deterministic.
 */
export function decimate(xs: readonly number[], ys: readonly number[], buckets: number): [number, number][] {
  const n = Math.min(xs.length, ys.length);
  const finite: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) finite.push(i);
  if (finite.length <= buckets * 4) return finite.map((i) => [xs[i], ys[i]]);
  const out: [number, number][] = [];
  const size = finite.length / buckets;
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor(b * size);
    const hi = Math.min(finite.length, Math.floor((b + 1) * size));
    if (hi <= lo) continue;
    let iMin = finite[lo];
    let iMax = finite[lo];
    for (let k = lo; k < hi; k++) {
      const i = finite[k];
      if (ys[i] < ys[iMin]) iMin = i;
      if (ys[i] > ys[iMax]) iMax = i;
    }
    const keep = [...new Set([finite[lo], iMin, iMax, finite[hi - 1]])].sort((a, b2) => a - b2);
    for (const i of keep) out.push([xs[i], ys[i]]);
  }
  return out;
}
