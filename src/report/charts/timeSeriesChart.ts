import type { Chart } from '../Chart.js';
import { binnedChart } from '../binnedChart.js';
import { seriesColors } from '../palette.js';
import { timeBins } from '../timeBins.js';
import type { IterationColumns, RunResult } from '../../sim/metrics/RunResult.js';
import type { TimeAxis } from './timeAxis.js';

/** Which per-iteration column to plot and how to label it. */
export interface TimeSeriesSpec {
  id: string;
  title: string;
  yLabel: string;
  column: keyof Omit<IterationColumns, 'stride'>;
  caption: string;
  /** Divide values by this (e.g. bytes to GiB). @defaultValue 1 */
  yDivisor?: number;
  /** Unit the hover read-out prints. @defaultValue '' */
  unit?: string;
}

const DASHES = [undefined, '7 3', '2 3', '9 3 2 3'];

/** One per-iteration quantity over simulated time, one binned line (mean, min/max envelope) per run. */
export function timeSeriesChart(runs: readonly RunResult[], labels: readonly string[], spec: TimeSeriesSpec, axis: TimeAxis): Chart {
  const colors = seriesColors(labels);
  const series = runs.map((run, i) => {
    const b = timeBins(run.iterations.startS, [run.iterations[spec.column]], axis.fineBins, [axis.startS, axis.endS]);
    return { label: labels[i], color: colors[i], dash: DASHES[i % DASHES.length], type: 'line' as const, bins: { t: b.t, mean: b.mean[0], min: b.min[0], max: b.max[0], n: b.count }, binS: b.binS };
  });
  const svg = binnedChart({
    id: spec.id,
    title: spec.title,
    yLabel: spec.yLabel,
    yDivisor: spec.yDivisor,
    unit: spec.unit ?? '',
    startS: axis.startS,
    endS: axis.endS,
    binS: (axis.endS - axis.startS) / axis.fineBins,
    merge: axis.merge,
    series,
  });
  const strided = runs.some((r) => r.iterations.stride > 1) ? ' Some runs recorded only every n-th iteration.' : '';
  return { id: spec.id, title: spec.title, caption: `${spec.caption} Lines: ${axis.binLabel} means; shading: each bin's min–max.${strided}`, svg, wide: true };
}
