import type { Chart } from '../Chart.js';
import { decimate } from '../decimate.js';
import { lineChart } from '../lineChart.js';
import { seriesColors } from '../palette.js';
import type { IterationColumns, RunResult } from '../../sim/metrics/RunResult.js';

/** Which per-iteration column to plot and how to label it. */
export interface TimeSeriesSpec {
  id: string;
  title: string;
  yLabel: string;
  column: keyof Omit<IterationColumns, 'stride'>;
  caption: string;
  /** Divide values by this (e.g. bytes to GiB). @defaultValue 1 */
  yDivisor?: number;
}

/** One per-iteration quantity over simulated time, one line per run. */
export function timeSeriesChart(runs: readonly RunResult[], labels: readonly string[], spec: TimeSeriesSpec, maxPoints: number): Chart {
  const colors = seriesColors(labels);
  const buckets = Math.max(1, Math.floor(maxPoints / 4));
  const svg = lineChart({
    id: spec.id,
    title: spec.title,
    xLabel: 'simulated time (s)',
    yLabel: spec.yLabel,
    yDivisor: spec.yDivisor,
    step: true,
    series: runs.map((run, i) => ({
      label: labels[i],
      color: colors[i],
      points: decimate(run.iterations.startS, run.iterations[spec.column], buckets),
    })),
  });
  const strided = runs.some((r) => r.iterations.stride > 1) ? ' Some runs recorded only every n-th iteration.' : '';
  return { id: spec.id, title: spec.title, caption: spec.caption + strided, svg };
}
