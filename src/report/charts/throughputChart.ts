import { format } from 'd3';
import type { Chart } from '../Chart.js';
import { barChart } from '../barChart.js';
import { isArrivalLimited, offeredRatePerS } from '../verdict.js';
import type { RunResult } from '../../sim/metrics/RunResult.js';

/**
 * Output-token throughput per run, requests per second in the caption. When every run served the
 * offered load as it arrived, the bars are equal by construction: a note says so, and points to the
 * latency charts and the load sweep, where the policies differ.
 */
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
  const offered = runs.map(offeredRatePerS).filter((v): v is number => v !== undefined);
  const note = isArrivalLimited(runs)
    ? `The arrival rate limits throughput here: every policy completed requests as fast as they arrived (${Math.min(...offered).toFixed(2)}–${Math.max(...offered).toFixed(2)} req/s offered), so equal bars say nothing about the policies. Compare latency, capacity and the load sweep instead.`
    : undefined;
  return { id: 'throughput', title: 'Throughput', caption: `Output tokens per second of makespan (${rps}).`, svg, note };
}
