/**
 * Per-iteration values aggregated into equal time bins: what a 3,500 s trace needs to read on a
 * 1,300 px axis. Each bin keeps the mean (weighted by iterations, the record's stride being the same
 * for all), the minimum and the maximum, so a chart can draw the mean and a light min/max envelope.
 */
export interface TimeBins {
  /** Start of the first bin and end of the last one, seconds. */
  startS: number;
  endS: number;
  /** Left edge of each non-empty bin, seconds (empty bins are left out: the line breaks there). */
  t: number[];
  /** Per series: mean, minimum and maximum over the bin's records. */
  mean: number[][];
  min: number[][];
  max: number[][];
  /** Records in each bin. */
  count: number[];
  /** Width of one bin, seconds. */
  binS: number;
}

/**
 * Bins `columns` (same length as `timesS`, sorted by time) into `bins` equal intervals of
 * [startS, endS]. Non-finite times are skipped; a non-finite value counts as missing for its series
 * only. Pure and deterministic.
 */
export function timeBins(timesS: readonly number[], columns: readonly (readonly number[])[], bins: number, range?: [number, number]): TimeBins {
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of timesS) {
    if (!Number.isFinite(t)) continue;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  const [startS, endS0] = range ?? (lo <= hi ? [lo, hi] : [0, 1]);
  // A single instant (or sub-normal span) still gets a bin of width 1 µs rather than a division by zero.
  const endS = endS0 - startS > 1e-6 * Math.max(1, Math.abs(startS)) ? endS0 : startS + 1e-6 * Math.max(1, Math.abs(startS));
  const n = Math.max(1, Math.floor(bins));
  const binS = (endS - startS) / n;
  const k = columns.length;
  const sum = columns.map(() => new Float64Array(n));
  const cnt = columns.map(() => new Float64Array(n));
  const mn = columns.map(() => new Float64Array(n).fill(Infinity));
  const mx = columns.map(() => new Float64Array(n).fill(-Infinity));
  const records = new Float64Array(n);
  for (let i = 0; i < timesS.length; i++) {
    const t = timesS[i];
    if (!Number.isFinite(t) || t < startS || t > endS) continue;
    const b = Math.min(n - 1, Math.floor((t - startS) / binS));
    records[b]++;
    for (let s = 0; s < k; s++) {
      const v = columns[s][i];
      if (!Number.isFinite(v)) continue;
      sum[s][b] += v;
      cnt[s][b]++;
      if (v < mn[s][b]) mn[s][b] = v;
      if (v > mx[s][b]) mx[s][b] = v;
    }
  }
  const out: TimeBins = { startS, endS, t: [], mean: columns.map(() => []), min: columns.map(() => []), max: columns.map(() => []), count: [], binS };
  for (let b = 0; b < n; b++) {
    if (records[b] === 0) continue;
    out.t.push(startS + b * binS);
    out.count.push(records[b]);
    for (let s = 0; s < k; s++) {
      const c = cnt[s][b];
      out.mean[s].push(c > 0 ? sum[s][b] / c : NaN);
      out.min[s].push(c > 0 ? mn[s][b] : NaN);
      out.max[s].push(c > 0 ? mx[s][b] : NaN);
    }
  }
  return out;
}
