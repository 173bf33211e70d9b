import type { Chart } from '../Chart.js';
import { timeSeriesChart } from './timeSeriesChart.js';
import type { TimeAxis } from './timeAxis.js';
import type { RunResult } from '../../sim/metrics/RunResult.js';

/** Requests waiting for admission at each iteration, per run. */
export function queueLengthChart(runs: readonly RunResult[], labels: readonly string[], axis: TimeAxis): Chart {
  const refused = runs.map((r, i) => `${labels[i]} ${r.summary.preemptions} preemptions`).join('; ');
  return timeSeriesChart(
    runs,
    labels,
    { id: 'queue-length', title: 'Queue length over time', yLabel: 'requests waiting', column: 'queueLength', unit: 'requests', caption: `Arrived requests not yet admitted, per iteration (${refused}).` },
    axis,
  );
}
