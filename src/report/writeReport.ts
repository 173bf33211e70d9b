import type { RunResult } from '../sim/metrics/RunResult.js';
import type { Chart } from './Chart.js';
import { batchSizeChart } from './charts/batchSizeChart.js';
import { capacityChart } from './charts/capacityChart.js';
import { fragmentationChart } from './charts/fragmentationChart.js';
import { latencyCdfChart } from './charts/latencyCdfChart.js';
import { memoryOverTimeChart } from './charts/memoryOverTimeChart.js';
import { queueLengthChart } from './charts/queueLengthChart.js';
import { stateVsKvChart } from './charts/stateVsKvChart.js';
import { throughputChart } from './charts/throughputChart.js';
import { validationScatterChart } from './charts/validationScatterChart.js';
import { escapeHtml } from './html.js';
import { presetWithDtype } from './presetWithDtype.js';
import { resolveReportOptions, type ReportOptions } from './ReportOptions.js';
import { REPORT_CSS } from './reportStyle.js';
import { runLabels } from './runLabels.js';
import { summaryTable } from './summaryTable.js';
import { sweepCharts } from './sweepCharts.js';
import { capacityVsContextChart } from './charts/capacityVsContextChart.js';
import { hardwarePreset } from '../sim/hardware/presets.js';

/** A titled group of charts (or a note saying why there are none). */
interface Section {
  id: string;
  title: string;
  lead: string;
  charts: Chart[];
  note?: string;
}

/**
 * Renders replay results as one self-contained HTML page: every chart is pre-rendered SVG, the style
 * is inline, there is no script and nothing is fetched, so the file opens offline and prints as is.
 * Deterministic: the same runs and options give byte-identical HTML (no dates, no random ids).
 */
export function writeReport(runs: readonly RunResult[], options: ReportOptions = {}): string {
  const first = runs[0]?.config;
  const opts = resolveReportOptions(options, first && { model: first.model, gpu: first.gpu, tp: first.tp });
  const labels = runLabels(runs);
  const pts = opts.maxPointsPerSeries;
  const sections: Section[] = [];

  if (runs.length > 0) {
    sections.push({
      id: 'memory',
      title: 'Memory',
      lead: 'Live bytes hold tokens or state in use; allocated bytes are physically backed; reserved bytes are virtual (vAttention) or statically set aside. The gaps are waste.',
      charts: [...runs.map((r, i) => memoryOverTimeChart(r, labels[i], `memory-${i + 1}`, pts)), fragmentationChart(runs, labels, pts)],
    });
    sections.push({
      id: 'scheduling',
      title: 'Batching and queueing',
      lead: 'How many requests each policy let run together, and how many waited.',
      charts: [batchSizeChart(runs, labels, pts), queueLengthChart(runs, labels, pts)],
    });
    sections.push({
      id: 'latency',
      title: 'Latency',
      lead: 'Cumulative distributions over requests: further left is faster, and the top of each curve is its tail.',
      charts: (['ttft', 'tbt', 'e2e'] as const).map((m) => latencyCdfChart(runs, labels, m, pts)),
    });
    sections.push({
      id: 'throughput-capacity',
      title: 'Throughput and capacity',
      lead: 'What each policy delivered on this trace, and how many requests it held at once.',
      charts: [throughputChart(runs, labels), capacityChart(runs, labels)],
    });
  }
  if (opts.sweep) {
    const s = opts.sweep;
    const sweep = sweepCharts(s);
    sections.push({
      id: 'sweeps',
      title: 'Page- and block-size sweep',
      lead: `From the memory table for ${s.model} on ${s.gpu} (TP ${s.tp}): how the unit memory grows by sets both waste and capacity.`,
      charts: sweep.charts,
      note: sweep.note,
    });
  }
  if (opts.stateComparison) {
    const s = opts.stateComparison;
    const models = s.models.map(presetWithDtype);
    sections.push({
      id: 'recurrent',
      title: 'Recurrent state vs attention KV',
      lead: 'A recurrent (xLSTM) request holds a fixed state however long it runs; an attention request’s KV grows with every token. Constant is not smaller: the crossover says where each wins.',
      charts: [stateVsKvChart(models, s.maxContextTokens, s.tp), capacityVsContextChart(models, hardwarePreset(s.gpu), s.tp, s.capacityContextsTokens)],
    });
  }
  sections.push(
    opts.validation.length > 0
      ? { id: 'validation', title: 'Simulator vs GPU', lead: 'Predicted against measured iteration time, pair by pair.', charts: [validationScatterChart(opts.validation)] }
      : { id: 'validation', title: 'Simulator vs GPU', lead: '', charts: [], note: 'No validation data was given (kvsim report --validation FILE), so there is no simulator-vs-GPU comparison in this report.' },
  );

  const body = sections.map(renderSection).join('\n');
  const runsPart = runs.length > 0 ? `<section id="runs"><h2>Runs</h2>${summaryTable(runs, labels)}</section>` : '';
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing may load from anywhere: the report must read the same offline as online.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(opts.title)}</title>`,
    `<style>${REPORT_CSS}</style></head><body>`,
    `<header><h1>${escapeHtml(opts.title)}</h1><p class="lead">${escapeHtml(describeRuns(runs))}</p></header>`,
    runsPart,
    body,
    '</body></html>',
    '',
  ].join('\n');
}

function renderSection(s: Section): string {
  const figures = s.charts
    .map((c) => `<figure class="chart" id="chart-${escapeHtml(c.id)}">${c.svg}<figcaption>${escapeHtml(c.caption)}</figcaption></figure>`)
    .join('\n');
  const note = s.note ? `<p class="note">${escapeHtml(s.note)}</p>` : '';
  const lead = s.lead ? `<p class="lead">${escapeHtml(s.lead)}</p>` : '';
  return `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${lead}${note}<div class="grid">\n${figures}\n</div></section>`;
}

function describeRuns(runs: readonly RunResult[]): string {
  if (runs.length === 0) return 'No replay runs given: model-level charts only.';
  const distinct = (k: 'trace' | 'model' | 'gpu' | 'backend') => [...new Set(runs.map((r) => r.config[k]))].join(', ');
  return `${runs.length} run${runs.length === 1 ? '' : 's'} — trace ${distinct('trace')}; model ${distinct('model')}; GPU ${distinct('gpu')}; backend ${distinct('backend')}.`;
}
