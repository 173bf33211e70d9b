import type { RunResult } from '../../sim/metrics/RunResult.js';

/** The time axis all time charts of a report share, so they line up and zoom together. */
export interface TimeAxis {
  startS: number;
  endS: number;
  /** Fine bins over [startS, endS] (what the page's zoom can reach). */
  fineBins: number;
  /** Fine bins per drawn bin in the static drawing. */
  merge: number;
  /** Words for the drawn bin width, e.g. `12 s bin`. */
  binLabel: string;
  /** Largest allocated bytes of any run (a shared memory scale; virtual reservations may exceed it). */
  peakMemoryBytes: number;
}

/** Fine bins per drawn bin: zooming in 2x shows one fine bin per drawn one. */
export const ZOOM_DETAIL = 2;

/** The shared axis: from the earliest iteration to the latest iteration end over all runs, `bins` drawn bins. */
export function timeAxis(runs: readonly RunResult[], bins: number): TimeAxis {
  let startS = Infinity;
  let endS = -Infinity;
  let peak = 0;
  for (const r of runs) {
    const it = r.iterations;
    for (let i = 0; i < it.startS.length; i++) {
      const t = it.startS[i];
      if (!Number.isFinite(t)) continue;
      if (t < startS) startS = t;
      const end = t + (Number.isFinite(it.durationS?.[i]) ? it.durationS[i] : 0);
      if (end > endS) endS = end;
    }
    peak = Math.max(peak, r.summary.peakAllocatedBytes);
  }
  if (!(startS <= endS)) {
    startS = 0;
    endS = 1;
  }
  const binS = (endS - startS) / bins;
  return { startS, endS, fineBins: bins * ZOOM_DETAIL, merge: ZOOM_DETAIL, binLabel: `${formatSeconds(binS)} bin`, peakMemoryBytes: peak };
}

function formatSeconds(s: number): string {
  if (!(s > 0)) return '0 s';
  if (s >= 1) return `${Number(s.toPrecision(3))} s`;
  if (s >= 1e-3) return `${Number((s * 1e3).toPrecision(3))} ms`;
  return `${Number((s * 1e6).toPrecision(3))} µs`;
}
