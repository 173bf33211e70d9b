import type { Table1D, Table2D } from './CalibrationProfile.js';

/**
 * Where an estimate came from: inside the measured grid (interpolated), or outside it (the stated
 * rule: above the grid time scales in proportion to the work, below it the smallest measurement is a
 * floor, since small launches cost about the same).
 */
export type Provenance = 'interpolated' | 'extrapolated-linear' | 'clamped-floor';

export interface Estimate {
  timeS: number;
  provenance: Provenance;
}

function bracket(xs: number[], x: number): number {
  // Index i with xs[i] <= x < xs[i+1]; grids are tiny (tens of points), a binary search is plenty.
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Piecewise-linear interpolation on a 1-D table; the stated rules outside it. */
export function interpolate1D(t: Table1D, x: number, out: Estimate = { timeS: 0, provenance: 'interpolated' }): Estimate {
  const xs = t.x;
  const n = xs.length;
  if (x <= xs[0]) {
    out.timeS = t.timeS[0];
    out.provenance = x === xs[0] ? 'interpolated' : 'clamped-floor';
    return out;
  }
  if (x >= xs[n - 1]) {
    out.timeS = t.timeS[n - 1] * (xs[n - 1] > 0 ? x / xs[n - 1] : 1);
    out.provenance = x === xs[n - 1] ? 'interpolated' : 'extrapolated-linear';
    return out;
  }
  const i = bracket(xs, x);
  const f = (x - xs[i]) / (xs[i + 1] - xs[i]);
  out.timeS = t.timeS[i] + f * (t.timeS[i + 1] - t.timeS[i]);
  out.provenance = 'interpolated';
  return out;
}

/**
 * Bilinear interpolation on a 2-D table. Outside the grid along an axis, the value at the edge is
 * scaled by (coordinate / edge) above it and held below it; provenance reports the worse of the two axes.
 */
export function interpolate2D(t: Table2D, a: number, b: number, out: Estimate = { timeS: 0, provenance: 'interpolated' }): Estimate {
  // Called every simulated iteration: the two axis lookups write into module scratch, not new arrays.
  axis(t.a, a, AXIS_A);
  axis(t.b, b, AXIS_B);
  const ia = AXIS_A.index;
  const ib = AXIS_B.index;
  const fb = AXIS_B.fraction;
  const row0 = t.timeS[ia];
  const row1 = t.timeS[Math.min(ia + 1, t.a.length - 1)];
  const jb1 = Math.min(ib + 1, t.b.length - 1);
  const v0 = row0[ib] + fb * (row0[jb1] - row0[ib]);
  const v1 = row1[ib] + fb * (row1[jb1] - row1[ib]);
  out.timeS = (v0 + AXIS_A.fraction * (v1 - v0)) * AXIS_A.scale * AXIS_B.scale;
  out.provenance = worse(AXIS_A.provenance, AXIS_B.provenance);
  return out;
}

interface Axis {
  index: number;
  fraction: number;
  scale: number;
  provenance: Provenance;
}

const AXIS_A: Axis = { index: 0, fraction: 0, scale: 1, provenance: 'interpolated' };
const AXIS_B: Axis = { index: 0, fraction: 0, scale: 1, provenance: 'interpolated' };

function axis(xs: number[], x: number, out: Axis): void {
  const n = xs.length;
  if (x < xs[0]) {
    out.index = 0;
    out.fraction = 0;
    out.scale = 1;
    out.provenance = 'clamped-floor';
  } else if (x >= xs[n - 1]) {
    out.index = n - 1;
    out.fraction = 0;
    out.scale = xs[n - 1] > 0 ? x / xs[n - 1] : 1;
    out.provenance = x === xs[n - 1] ? 'interpolated' : 'extrapolated-linear';
  } else {
    const i = bracket(xs, x);
    out.index = i;
    out.fraction = (x - xs[i]) / (xs[i + 1] - xs[i]);
    out.scale = 1;
    out.provenance = 'interpolated';
  }
}

const RANK: Record<Provenance, number> = { interpolated: 0, 'clamped-floor': 1, 'extrapolated-linear': 2 };

export function worse(a: Provenance, b: Provenance): Provenance {
  return RANK[a] >= RANK[b] ? a : b;
}
