import type { Chart } from '../Chart.js';
import { timeSeriesChart } from './timeSeriesChart.js';
import type { TimeAxis } from './timeAxis.js';
import type { RunResult } from '../../sim/metrics/RunResult.js';

/** Requests in each iteration's batch over time, per run. */
export function batchSizeChart(runs: readonly RunResult[], labels: readonly string[], axis: TimeAxis): Chart {
  const stats = runs.map((r, i) => `${labels[i]} max ${r.summary.maxBatch}, mean ${r.summary.meanBatch.toFixed(1)}`).join('; ');
  return timeSeriesChart(
    runs,
    labels,
    { id: 'batch-size', title: 'Batch size over time', yLabel: 'requests in the batch', column: 'batchSize', unit: 'requests', caption: `Running requests per iteration (${stats}).` },
    axis,
  );
}
