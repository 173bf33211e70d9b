import { format } from 'd3';
import type { Chart } from '../Chart.js';
import { ecdf } from '../ecdf.js';
import { lineChart } from '../lineChart.js';
import { seriesColors } from '../palette.js';
import { requestLatencies } from '../requestLatencies.js';
import type { RunResult } from '../../sim/metrics/RunResult.js';

const DASHES = [undefined, '7 3', '2 3', '9 3 2 3'];

export type LatencyMetric = 'ttft' | 'tbt' | 'e2e';

const META: Record<LatencyMetric, { title: string; xLabel: string; caption: string }> = {
  ttft: {
    title: 'Time to first token — CDF',
    xLabel: 'TTFT (s)',
    caption: 'Fraction of requests whose first token came within the time on the x axis (queueing included).',
  },
  tbt: {
    title: 'Time between tokens — CDF of each request’s mean',
    xLabel: 'mean TBT per request (s)',
    caption: 'Per request, (finish − first token) / (output tokens − 1); requests with one output token are left out. Per-token TBT percentiles are in the summary table.',
  },
  e2e: {
    title: 'End-to-end latency — CDF',
    xLabel: 'E2E latency (s)',
    caption: 'Fraction of requests finished within the time on the x axis, from arrival to last token.',
  },
};

/** Empirical CDF of one latency metric, one line per run; log x axis when values span decades. */
export function latencyCdfChart(runs: readonly RunResult[], labels: readonly string[], metric: LatencyMetric, maxPoints: number): Chart {
  const colors = seriesColors(labels);
  const values = runs.map((r) => {
    const lat = requestLatencies(r.requests);
    return metric === 'ttft' ? lat.ttftS : metric === 'tbt' ? lat.meanTbtS : lat.e2eS;
  });
  const positive = values.flat().filter((v) => v > 0);
  const lo = Math.min(...positive);
  const hi = Math.max(...positive);
  // A log axis only when every value can sit on it and a linear one would squash the low end.
  const log = positive.length > 0 && positive.length === values.flat().length && hi / lo > 100;
  const meta = META[metric];
  const id = `latency-${metric}`;
  const svg = lineChart({
    id,
    title: meta.title,
    xLabel: meta.xLabel + (log ? ', log scale' : ''),
    yLabel: 'fraction of requests',
    xScale: log ? 'log' : 'linear',
    yMax: 1,
    step: true,
    xTickFormat: log ? undefined : format('~g'),
    // Dashes tell apart runs whose curves coincide (e.g. policies with the same schedule).
    series: runs.map((_, i) => ({ label: labels[i], color: colors[i], dash: DASHES[i % DASHES.length], points: ecdf(values[i], maxPoints) })),
  });
  const counts = runs.map((_, i) => `${labels[i]} n=${values[i].length}`).join(', ');
  return { id, title: meta.title, caption: `${meta.caption} (${counts})`, svg };
}
