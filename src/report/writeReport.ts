import { hardwarePreset } from '../sim/hardware/presets.js';
import type { RunResult } from '../sim/metrics/RunResult.js';
import { recurrentStateBytesPerRequest } from '../sim/model/derived.js';
import { modelPreset } from '../sim/model/presets.js';
import type { Chart } from './Chart.js';
import { stripChartData } from './chartData.js';
import { batchSizeChart } from './charts/batchSizeChart.js';
import { capacityChart } from './charts/capacityChart.js';
import { capacityVsContextChart } from './charts/capacityVsContextChart.js';
import { fragmentationChart } from './charts/fragmentationChart.js';
import { hasBreakdown, iterationBreakdownChart } from './charts/iterationBreakdownChart.js';
import { latencyCdfChart } from './charts/latencyCdfChart.js';
import { loadSweepCharts } from './charts/loadSweepCharts.js';
import { memoryOverTimeChart } from './charts/memoryOverTimeChart.js';
import { queueLengthChart } from './charts/queueLengthChart.js';
import { stateVsKvChart } from './charts/stateVsKvChart.js';
import { throughputChart } from './charts/throughputChart.js';
import { timeAxis } from './charts/timeAxis.js';
import { validationScatterChart } from './charts/validationScatterChart.js';
import { escapeHtml } from './html.js';
import { INTERACTIVE_SCRIPT } from './interactiveScript.js';
import { loadSweep, sweepHeadline } from './loadSweep.js';
import { presetWithDtype } from './presetWithDtype.js';
import { resolveReportOptions, type ReportOptions } from './ReportOptions.js';
import { REPORT_CSS } from './reportStyle.js';
import { runLabels } from './runLabels.js';
import { summaryTable } from './summaryTable.js';
import { sweepBudget } from './sweepBudget.js';
import { sweepCharts } from './sweepCharts.js';
import { offeredRatePerS, verdict } from './verdict.js';
import { verdictTable } from './verdictTable.js';
import { pickBaseline } from './pickBaseline.js';

/** A titled group of charts (or a note saying why there are none). */
interface Section {
  id: string;
  title: string;
  lead: string;
  charts: Chart[];
  note?: string;
  /** Extra HTML after the lead (e.g. the zoom hint). */
  extra?: string;
}

/**
 * Renders replay results as one self-contained HTML page that opens with the answer — a verdict
 * table per policy with differences against a baseline and sentences derived from the numbers — then
 * the load sweep (when the runs include one), time series, latency, and the model-level charts.
 * Every chart is pre-rendered SVG and the style is inline; unless `interactive: false`, a small
 * inline script adds hover read-outs and time zoom. Nothing is fetched (the CSP forbids it), so the
 * file opens offline. Deterministic: the same runs and options give byte-identical HTML.
 */
export function writeReport(runs: readonly RunResult[], options: ReportOptions = {}): string {
  const first = runs[0]?.config;
  const opts = resolveReportOptions(options, first && { model: first.model, gpu: first.gpu, tp: first.tp });
  const allLabels = runLabels(runs);
  const sweep = loadSweep(runs, allLabels);
  // With a load sweep, the per-run charts show the runs at the first run's rate; the sweep shows all.
  const rate0 = runs.length > 0 ? offeredRatePerS(runs[0]) : undefined;
  const main = sweep.length > 0 && rate0 !== undefined ? runs.filter((r) => Math.abs((offeredRatePerS(r) ?? NaN) - rate0) <= 0.01 * rate0) : [...runs];
  const labels = runLabels(main);
  const sections: Section[] = [];
  let verdictHtml = '';

  if (main.length > 0) {
    const baseline = pickBaseline(main, labels, opts.baseline);
    const v = verdict(main, labels, baseline, opts.slo);
    const at = rate0 === undefined ? '' : ` at ${rate0.toFixed(2)} req/s offered${sweep.length > 0 ? ' (the first run’s rate; the load sweep below covers every rate given)' : ''}`;
    verdictHtml = verdictTable(v, opts.slo, `${main.length} run${main.length === 1 ? '' : 's'}${at}.`, sweepHeadline(sweep, opts.slo));
  }
  if (sweep.length > 0) {
    sections.push({
      id: 'load-sweep',
      title: 'Load sweep',
      lead: 'The chart that decides: how each policy holds up as the request rate rises. A dashed rule marks the rate where its memory starts to bind (the first refused admission or preemption); past it, queues and tails grow.',
      charts: loadSweepCharts(sweep, opts.slo),
    });
  }
  if (main.length > 0) {
    const axis = timeAxis(main, opts.timeBins);
    const zoom = opts.interactive ? '<p class="zoom-state lead"></p>' : '';
    sections.push({
      id: 'memory',
      title: 'Memory over time',
      lead: 'Stacked: live bytes hold tokens or state in use; fragmentation is allocated to running requests but not yet filled; idle allocated memory is held by no running request (vAttention keeps a finished request’s pages mapped for the next one — reuse, not waste). The top of the stack is the physically allocated total; the dashed line is the reserved (virtual or static) size.',
      charts: [...main.map((r, i) => memoryOverTimeChart(r, labels[i], `memory-${i + 1}`, axis)), fragmentationChart(main, labels, axis)],
      extra: zoom,
    });
    const breakdown = main.map((r, i) => ({ r, i })).filter(({ r }) => hasBreakdown(r));
    if (breakdown.length > 0) {
      sections.push({
        id: 'iteration-time',
        title: 'Iteration time by cost term',
        lead: 'What each iteration spends its time on, from the per-iteration records: weight GEMMs, attention, recurrent steps, allocation stalls and CPU overhead.',
        charts: breakdown.map(({ r, i }) => iterationBreakdownChart(r, labels[i], `breakdown-${i + 1}`, axis)),
        extra: zoom,
      });
    }
    sections.push({
      id: 'scheduling',
      title: 'Batching and queueing',
      lead: 'How many requests each policy let run together, and how many waited.',
      charts: [batchSizeChart(main, labels, axis), queueLengthChart(main, labels, axis)],
      extra: zoom,
    });
    sections.push({
      id: 'latency',
      title: 'Latency',
      lead: 'Cumulative distributions over requests: further left is faster, and the top of each curve is its tail.',
      charts: (['ttft', 'tbt', 'e2e'] as const).map((m) => latencyCdfChart(main, labels, m, opts.maxPointsPerSeries)),
    });
    sections.push({
      id: 'throughput-capacity',
      title: 'Throughput and capacity',
      lead: 'What each policy delivered on this trace, and how many requests it held at once.',
      charts: [throughputChart(main, labels), capacityChart(main, labels)],
    });
  }
  if (opts.sweep) {
    const s = opts.sweep;
    const budget = sweepBudget(s, runs);
    const charts = sweepCharts({ ...s, ...budget });
    sections.push({
      id: 'sweeps',
      title: 'Page- and block-size sweep',
      lead: `From the memory table for ${s.model} on ${s.gpu} (TP ${s.tp}): how the unit memory grows by sets both waste and capacity.`,
      charts: charts.charts,
      note: charts.note,
    });
  }
  // The xLSTM comparison answers a different question: shown when a recurrent model ran, when asked for, or with no runs.
  const recurrentRan = runs.some((r) => hasRecurrentState(r.config.model, r.config.tp));
  if (opts.stateComparison && (runs.length === 0 || recurrentRan || options.stateComparison !== undefined)) {
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

  const body = sections.map((s) => renderSection(s, opts.interactive)).join('\n');
  const runsPart = runs.length > 0 ? `<section id="runs"><h2>Runs</h2>${summaryTable(runs, allLabels)}</section>` : '';
  // Nothing may load from anywhere: the report must read the same offline as online. The script is inline only.
  const csp = `default-src 'none'; style-src 'unsafe-inline'${opts.interactive ? "; script-src 'unsafe-inline'" : ''}`;
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    `<title>${escapeHtml(opts.title)}</title>`,
    `<style>${REPORT_CSS}</style></head><body>`,
    `<header><h1>${escapeHtml(opts.title)}</h1><p class="lead">${escapeHtml(describeRuns(runs))}</p></header>`,
    verdictHtml,
    body,
    runsPart,
    opts.interactive ? `<script>${INTERACTIVE_SCRIPT}</script>` : '',
    '</body></html>',
    '',
  ].join('\n');
}

function renderSection(s: Section, interactive: boolean): string {
  const figures = s.charts
    .map((c) => {
      const svg = interactive ? c.svg : stripChartData(c.svg);
      const note = c.note ? `<p class="note">${escapeHtml(c.note)}</p>` : '';
      return `<figure class="chart${c.wide ? ' wide' : ''}" id="chart-${escapeHtml(c.id)}">${note}${svg}<figcaption>${escapeHtml(c.caption)}</figcaption></figure>`;
    })
    .join('\n');
  const note = s.note ? `<p class="note">${escapeHtml(s.note)}</p>` : '';
  const lead = s.lead ? `<p class="lead">${escapeHtml(s.lead)}</p>` : '';
  return `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${lead}${s.extra ?? ''}${note}<div class="grid">\n${figures}\n</div></section>`;
}

function hasRecurrentState(model: string, tp: number): boolean {
  try {
    return recurrentStateBytesPerRequest(modelPreset(model), tp) > 0;
  } catch {
    return false;
  }
}

function describeRuns(runs: readonly RunResult[]): string {
  if (runs.length === 0) return 'No replay runs given: model-level charts only.';
  const distinct = (k: 'trace' | 'model' | 'gpu' | 'backend') => [...new Set(runs.map((r) => r.config[k]))].join(', ');
  return `${runs.length} run${runs.length === 1 ? '' : 's'} — trace ${distinct('trace')}; model ${distinct('model')}; GPU ${distinct('gpu')}; backend ${distinct('backend')}.`;
}
