import { UserError } from '../errors.js';
import type { RunResult } from '../sim/metrics/RunResult.js';
import { quantileSorted } from '../sim/stats/quantile.js';

/** Goodput SLOs in milliseconds, as vLLM's benchmark takes them (`--goodput ttft:500 tpot:50`). */
export interface GoodputSlos {
  ttft?: number;
  tpot?: number;
  e2el?: number;
}

/** Parses `--goodput KEY:MS ...` (keys ttft, tpot, e2el; values in ms, > 0), as benchmark_serving.py does. */
export function parseGoodput(items: readonly string[] | undefined): GoodputSlos | undefined {
  if (items === undefined || items.length === 0) return undefined;
  const slos: GoodputSlos = {};
  for (const item of items.flatMap((s) => String(s).split(/[\s,]+/)).filter((s) => s.length > 0)) {
    const m = /^(ttft|tpot|e2el):([0-9]*\.?[0-9]+(?:e[+-]?\d+)?)$/i.exec(item);
    const v = m ? Number(m[2]) : Number.NaN;
    if (!m || !(v > 0) || !Number.isFinite(v)) {
      throw new UserError('INVALID_OPTION', `Expected KEY:MILLISECONDS with KEY ttft, tpot or e2el and a positive value for --goodput but received ${JSON.stringify(item)}`);
    }
    slos[m[1].toLowerCase() as keyof GoodputSlos] = v;
  }
  return slos;
}

/** mean, median, p99 in milliseconds. */
interface Stat {
  mean: number;
  median: number;
  p99: number;
}

/** The metrics vLLM's serving benchmark prints, for one run. Times in ms, throughputs per second. */
export interface ServingMetrics {
  completed: number;
  durationS: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  requestThroughput: number;
  requestGoodput: number | undefined;
  outputThroughput: number;
  totalTokenThroughput: number;
  ttftMs: Stat;
  tpotMs: Stat;
  /** From the run's token-gap histogram (summary.tbtS): within its stated relative error. */
  itlMs: Stat;
  e2elMs: Stat;
}

/** np.percentile as vLLM's benchmark calls it (linear between closest ranks) on sorted values; 0 when empty. */
function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? 0 : quantileSorted(sorted, p / 100, 'linear');
}

function stat(values: number[]): Stat {
  const a = Float64Array.from(values).sort();
  const mean = a.length === 0 ? 0 : a.reduce((s, v) => s + v, 0) / a.length;
  return { mean: mean * 1e3, median: percentile(a, 50) * 1e3, p99: percentile(a, 99) * 1e3 };
}

/**
 * vLLM's benchmark metrics from a run's per-request columns, with the definitions of
 * benchmarks/benchmark_serving.py, calculate_metrics: a request counts when it finished; TTFT = first
 * token - arrival; TPOT = (E2EL - TTFT) / (output - 1) over requests with more than one output token
 * (0 for goodput when only one); ITL = every gap between consecutive tokens; E2EL = finish - arrival;
 * throughputs divide by the benchmark's duration (here the makespan); goodput counts the requests meeting
 * every given SLO. Undefined when the run kept no per-request columns.
 */
export function servingMetrics(run: RunResult, slos?: GoodputSlos): ServingMetrics | undefined {
  const r = run.requests;
  if (!r || r.arrivalS.length === 0) return run.summary.requests > 0 ? fromSummary(run) : undefined;
  const ttft: number[] = [];
  const tpot: number[] = [];
  const e2el: number[] = [];
  let input = 0;
  let output = 0;
  let good = 0;
  for (let i = 0; i < r.arrivalS.length; i++) {
    const finish = r.finishS[i];
    if (finish === null || !Number.isFinite(finish)) continue;
    const t = r.firstTokenS[i] - r.arrivalS[i];
    const e = finish - r.arrivalS[i];
    const out = r.outputTokens[i];
    const perToken = out > 1 ? (e - t) / (out - 1) : 0;
    ttft.push(t);
    e2el.push(e);
    if (out > 1) tpot.push(perToken);
    input += r.promptTokens[i];
    output += out;
    if (slos && (slos.ttft === undefined || t <= slos.ttft / 1e3) && (slos.tpot === undefined || perToken <= slos.tpot / 1e3) && (slos.e2el === undefined || e <= slos.e2el / 1e3)) good++;
  }
  const dur = run.summary.makespanS;
  const per = (x: number) => (dur > 0 ? x / dur : 0);
  const tbt = run.summary.tbtS;
  return {
    completed: ttft.length,
    durationS: dur,
    totalInputTokens: input,
    totalOutputTokens: output,
    requestThroughput: per(ttft.length),
    requestGoodput: slos ? per(good) : undefined,
    outputThroughput: per(output),
    totalTokenThroughput: per(input + output),
    ttftMs: stat(ttft),
    tpotMs: stat(tpot),
    itlMs: { mean: finite(tbt.mean) * 1e3, median: finite(tbt.p50) * 1e3, p99: finite(tbt.p99) * 1e3 },
    e2elMs: stat(e2el),
  };
}

/**
 * Without per-request columns (a long trace replayed without --json/--csv/--goodput): what the run's
 * streaming summary holds — TTFT, ITL and E2EL from its histograms (within their stated accuracy),
 * request and output throughput; TPOT, input tokens and goodput are NaN (printed "-").
 */
function fromSummary(run: RunResult): ServingMetrics {
  const s = run.summary;
  const h = (p: { mean: number; p50: number; p99: number }): Stat => ({ mean: finite(p.mean) * 1e3, median: finite(p.p50) * 1e3, p99: finite(p.p99) * 1e3 });
  const none: Stat = { mean: Number.NaN, median: Number.NaN, p99: Number.NaN };
  return {
    completed: s.completed,
    durationS: s.makespanS,
    totalInputTokens: Number.NaN,
    totalOutputTokens: Math.round(s.outputTokensPerS * s.makespanS),
    requestThroughput: s.requestsPerS,
    requestGoodput: undefined,
    outputThroughput: s.outputTokensPerS,
    totalTokenThroughput: Number.NaN,
    ttftMs: h(s.ttftS),
    tpotMs: none,
    itlMs: h(s.tbtS),
    e2elMs: h(s.e2eS),
  };
}

function finite(v: number): number {
  return Number.isFinite(v) ? v : 0;
}

type Row = [label: string, value: (m: ServingMetrics) => string];

const f2 = (v: number) => (Number.isNaN(v) ? '-' : v.toFixed(2));
const ROWS: Row[] = [
  ['Successful requests', (m) => String(m.completed)],
  ['Benchmark duration (s)', (m) => f2(m.durationS)],
  ['Total input tokens', (m) => (Number.isNaN(m.totalInputTokens) ? '-' : String(m.totalInputTokens))],
  ['Total generated tokens', (m) => String(m.totalOutputTokens)],
  ['Request throughput (req/s)', (m) => f2(m.requestThroughput)],
  ['Request goodput (req/s)', (m) => (m.requestGoodput === undefined ? '-' : f2(m.requestGoodput))],
  ['Output token throughput (tok/s)', (m) => f2(m.outputThroughput)],
  ['Total Token throughput (tok/s)', (m) => f2(m.totalTokenThroughput)],
  ['Mean TTFT (ms)', (m) => f2(m.ttftMs.mean)],
  ['Median TTFT (ms)', (m) => f2(m.ttftMs.median)],
  ['P99 TTFT (ms)', (m) => f2(m.ttftMs.p99)],
  ['Mean TPOT (ms)', (m) => f2(m.tpotMs.mean)],
  ['Median TPOT (ms)', (m) => f2(m.tpotMs.median)],
  ['P99 TPOT (ms)', (m) => f2(m.tpotMs.p99)],
  ['Mean ITL (ms)', (m) => f2(m.itlMs.mean)],
  ['Median ITL (ms)', (m) => f2(m.itlMs.median)],
  ['P99 ITL (ms)', (m) => f2(m.itlMs.p99)],
  ['Mean E2EL (ms)', (m) => f2(m.e2elMs.mean)],
  ['Median E2EL (ms)', (m) => f2(m.e2elMs.median)],
  ['P99 E2EL (ms)', (m) => f2(m.e2elMs.p99)],
];

/**
 * The runs side by side under vLLM's benchmark names and units (ms), one column per run. Empty when no
 * run kept per-request columns.
 */
export function formatServingMetrics(runs: readonly RunResult[], slos?: GoodputSlos): string {
  const ms = runs.map((r) => servingMetrics(r, slos));
  const shown = runs.map((r, i) => ({ r, m: ms[i] })).filter((x): x is { r: RunResult; m: ServingMetrics } => x.m !== undefined);
  if (shown.length === 0) return '';
  const rows = ROWS.filter(([label]) => slos !== undefined || !label.startsWith('Request goodput'));
  const cells = [['vLLM benchmark metrics', ...shown.map((x) => `${x.r.config.model} ${x.r.config.policy.split('(')[0]}`)], ...rows.map(([label, f]) => [label, ...shown.map((x) => f(x.m))])];
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  const slo = slos ? `; goodput SLOs ${Object.entries(slos).map(([k, v]) => `${k} <= ${v} ms`).join(', ')}` : '';
  return [
    '',
    line(cells[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
    `(names and definitions of vLLM benchmarks/benchmark_serving.py; duration = makespan; ITL from the token-gap histogram${slo})`,
    ...(shown.some((x) => Number.isNaN(x.m.tpotMs.mean)) ? ['("-": needs per-request columns, kept for --json, --csv, --goodput or a trace of known length up to 1M requests; TTFT/E2EL then come from the streaming histograms)'] : []),
    '',
  ].join('\n');
}
