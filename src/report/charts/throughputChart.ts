import { format } from 'd3';
import type { Chart } from '../Chart.js';
import { barChart } from '../barChart.js';
import type { RunResult } from '../../sim/metrics/RunResult.js';

/** Output-token throughput per run, requests per second in the caption. */
export function throughputChart(runs: readonly RunResult[], labels: readonly string[]): Chart {
  const svg = barChart({
    id: 'throughput',
    title: 'Throughput',
    xLabel: 'run',
    yLabel: 'output tokens per second',
    measures: [{ label: 'output tokens/s', color: '#0072B2' }],
    groups: runs.map((r, i) => ({ label: labels[i], values: [r.summary.outputTokensPerS] })),
    valueFormat: format(',.0f'),
  });
  const rps = runs.map((r, i) => `${labels[i]} ${r.summary.requestsPerS.toFixed(2)} req/s over ${r.summary.makespanS.toFixed(1)} s`).join('; ');
  return { id: 'throughput', title: 'Throughput', caption: `Output tokens per second of makespan (${rps}).`, svg };
}
