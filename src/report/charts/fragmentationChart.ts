import type { Chart } from '../Chart.js';
import { byteUnit } from '../units.js';
import { timeSeriesChart } from './timeSeriesChart.js';
import type { TimeAxis } from './timeAxis.js';
import type { RunResult } from '../../sim/metrics/RunResult.js';

/** Internal fragmentation (allocated but not live, among requests in use) over time, per run. */
export function fragmentationChart(runs: readonly RunResult[], labels: readonly string[], axis: TimeAxis): Chart {
  const unit = byteUnit(Math.max(0, ...runs.map((r) => r.summary.peakFragmentationBytes)));
  const ratios = runs.map((r, i) => `${labels[i]} ${(100 * r.summary.meanFragmentationRatio).toFixed(1)}%`).join(', ');
  return timeSeriesChart(
    runs,
    labels,
    {
      id: 'fragmentation',
      title: 'Internal fragmentation over time',
      yLabel: `fragmentation (${unit.label})`,
      column: 'fragmentationBytes',
      yDivisor: unit.divisor,
      unit: unit.label,
      caption: `Bytes allocated to running requests but not holding their tokens or state. Mean fragmentation / allocated: ${ratios}.`,
    },
    axis,
  );
}
