import type { Chart } from '../Chart.js';
import { binnedChart } from '../binnedChart.js';
import { timeBins } from '../timeBins.js';
import type { IterationColumns, RunResult } from '../../sim/metrics/RunResult.js';
import type { TimeAxis } from './timeAxis.js';

/**
 * The parts of an iteration's wall time, in the order they stack. Allocation counts only its stall
 * (the part on the critical path): overlapped mapping runs beside compute and adds no wall time, so
 * the stack sums to the iteration's duration.
 */
export const BREAKDOWN_TERMS: { label: string; color: string; column: (it: IterationColumns, i: number) => number }[] = [
  { label: 'GEMMs', color: '#0072B2', column: (it, i) => it.gemmS[i] },
  { label: 'prefill attention', color: '#56B4E9', column: (it, i) => it.prefillAttentionS[i] },
  { label: 'decode attention', color: '#009E73', column: (it, i) => it.decodeAttentionS[i] },
  { label: 'recurrent step', color: '#CC79A7', column: (it, i) => it.recurrentS[i] },
  // Older files lack the column (read as zeros by parseRunResult; absent in hand-made runs).
  { label: 'TP communication', color: '#E69F00', column: (it, i) => it.commS?.[i] ?? 0 },
  { label: 'allocation stall', color: '#D55E00', column: (it, i) => it.stallS[i] },
  // Positive part only: a CUDA-graph fit may price an iteration below its tables (a negative overhead, the
  // launch gaps a graph saves), which a stack cannot draw; the chart's caption states that saving instead.
  { label: 'CPU / launch overhead', color: '#999999', column: (it, i) => Math.max(0, it.overheadS[i]) },
];

/** What negative overheads (CUDA-graph iterations priced below their tables) took off the recorded iterations, in s. */
export function graphSavingS(run: RunResult): number {
  return run.iterations.overheadS.reduce((a, v) => a + Math.max(0, -v), 0);
}

/** Whether a run carries the per-term columns (GPU-side or older files may not). */
export function hasBreakdown(run: RunResult): boolean {
  const it = run.iterations;
  const n = it.startS.length;
  return n > 0 && (['gemmS', 'prefillAttentionS', 'decodeAttentionS', 'recurrentS', 'stallS', 'overheadS'] as const).every((k) => Array.isArray(it[k]) && it[k].length === n);
}

/** Mean iteration time by cost term over time for one run, stacked, in ms. */
export function iterationBreakdownChart(run: RunResult, label: string, id: string, axis: TimeAxis, yMaxMs?: number): Chart {
  const it = run.iterations;
  const n = it.startS.length;
  const cols = BREAKDOWN_TERMS.map((term) => Array.from({ length: n }, (_, i) => term.column(it, i) * 1000));
  const b = timeBins(it.startS, cols, axis.fineBins, [axis.startS, axis.endS]);
  const present = BREAKDOWN_TERMS.map((_, k) => cols[k].some((v) => v > 0));
  const svg = binnedChart({
    id,
    title: `Where iteration time goes — ${label}`,
    yLabel: 'mean time per iteration (ms)',
    unit: 'ms',
    startS: axis.startS,
    endS: axis.endS,
    binS: b.binS,
    merge: axis.merge,
    plotHeightPx: 160,
    series: BREAKDOWN_TERMS.flatMap((term, k) =>
      present[k] ? [{ label: term.label, color: term.color, type: 'stack' as const, bins: { t: b.t, mean: b.mean[k], min: b.min[k], max: b.max[k], n: b.count } }] : [],
    ),
    yMin: yMaxMs,
  });
  const total = cols.map((c) => c.reduce((a, v) => a + v, 0));
  const sum = total.reduce((a, v) => a + v, 0);
  const shares = BREAKDOWN_TERMS.map((t, k) => (present[k] ? `${t.label} ${((100 * total[k]) / (sum || 1)).toFixed(1)}%` : ''))
    .filter(Boolean)
    .join(', ');
  const stride = it.stride > 1 ? ` (every ${it.stride}th iteration recorded)` : '';
  const savingMs = graphSavingS(run) * 1000;
  const saving =
    savingMs > 0
      ? ` CUDA graphs took ${savingMs.toFixed(1)} ms (${((100 * savingMs) / (sum || 1)).toFixed(1)}% of the stacked time) off these iterations below their table prices (a negative overhead, not drawn): the stack is that much above their duration.`
      : '';
  return {
    id,
    title: `Where iteration time goes — ${label}`,
    caption: `Stacked ${axis.binLabel} means of each cost term (${run.config.executor}). Share of recorded iteration time${stride}: ${shares || 'no terms recorded'}. Allocation shows only its stall: overlapped mapping adds no wall time.${saving}`,
    svg,
    wide: true,
  };
}
