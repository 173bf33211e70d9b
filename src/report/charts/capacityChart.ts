import { format } from 'd3';
import type { Chart } from '../Chart.js';
import { barChart } from '../barChart.js';
import type { RunResult } from '../../sim/metrics/RunResult.js';

/** Capacity reached in each run: most requests holding memory at once, and the largest batch. */
export function capacityChart(runs: readonly RunResult[], labels: readonly string[]): Chart {
  const svg = barChart({
    id: 'capacity',
    title: 'Capacity reached',
    xLabel: 'run',
    yLabel: 'requests',
    measures: [
      { label: 'max concurrent requests (holding memory)', color: '#009E73' },
      { label: 'max batch (requests in one iteration)', color: '#E69F00' },
    ],
    groups: runs.map((r, i) => ({ label: labels[i], values: [r.summary.maxConcurrentRequests, r.summary.maxBatch] })),
    valueFormat: format(',d'),
  });
  const refused = runs.map((r, i) => `${labels[i]}: ${r.summary.refused} refused, ${r.summary.preemptions} preempted`).join('; ');
  return { id: 'capacity', title: 'Capacity reached', caption: `What each policy fit at once on this trace (${refused}).`, svg };
}
