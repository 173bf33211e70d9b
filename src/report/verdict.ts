import type { RunResult } from '../sim/metrics/RunResult.js';
import { sloGoodput, type Slo } from './sloGoodput.js';

/** One figure of the verdict table: how to read it off a run and which direction is better. */
export interface VerdictMetric {
  key: string;
  label: string;
  better: 'higher' | 'lower';
  /** Value in display units (ms, %, req/s), undefined when the run cannot say. */
  value: (run: RunResult, slo: Slo) => number | undefined;
  digits: number;
  /** Differences of a percentage are in percentage points, not relative. @defaultValue false */
  points?: boolean;
}

const ms = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v * 1000 : undefined);

export const VERDICT_METRICS: VerdictMetric[] = [
  { key: 'goodput', label: 'goodput (req/s within SLO)', better: 'higher', digits: 2, value: (r, slo) => sloGoodput(r, slo)?.perS },
  { key: 'sloMet', label: 'requests within SLO (%)', better: 'higher', digits: 1, points: true, value: (r, slo) => mapDefined(sloGoodput(r, slo)?.fraction, (f) => f * 100) },
  { key: 'capacity', label: 'capacity (max concurrent requests)', better: 'higher', digits: 0, value: (r) => r.summary.maxConcurrentRequests },
  { key: 'throughput', label: 'throughput (output tok/s)', better: 'higher', digits: 0, value: (r) => r.summary.outputTokensPerS },
  { key: 'ttftP50', label: 'TTFT p50 (ms)', better: 'lower', digits: 1, value: (r) => ms(r.summary.ttftS?.p50) },
  { key: 'ttftP99', label: 'TTFT p99 (ms)', better: 'lower', digits: 1, value: (r) => ms(r.summary.ttftS?.p99) },
  { key: 'tbtP50', label: 'TBT p50 (ms)', better: 'lower', digits: 2, value: (r) => ms(r.summary.tbtS?.p50) },
  { key: 'tbtP99', label: 'TBT p99 (ms)', better: 'lower', digits: 2, value: (r) => ms(r.summary.tbtS?.p99) },
  { key: 'waste', label: 'memory waste (mean fragmentation, % of allocated)', better: 'lower', digits: 1, points: true, value: (r) => r.summary.meanFragmentationRatio * 100 },
  { key: 'stall', label: 'allocation stall (ms)', better: 'lower', digits: 1, value: (r) => ms(r.summary.stallS) },
  { key: 'preemptions', label: 'preemptions', better: 'lower', digits: 0, value: (r) => r.summary.preemptions },
];

export interface VerdictRow {
  label: string;
  values: Record<string, number | undefined>;
  /** Difference against the baseline: relative, percent; for `points` metrics, percentage points (undefined when either side is missing, or a relative one's baseline is 0). */
  deltasPct: Record<string, number | undefined>;
  sentence: string;
}

export interface Verdict {
  baselineLabel: string;
  rows: VerdictRow[];
  /** One sentence for the whole comparison, from the numbers. */
  headline: string;
  /** True when every run served the offered load at the same rate: the arrival rate limits throughput. */
  arrivalLimited: boolean;
}

/**
 * The answer to "which policy, and why", computed from the runs only: per run the table's figures,
 * their differences against the baseline run, and sentences naming the deciding figure. Nothing is
 * typed in by hand, so the words change when the numbers do.
 */
export function verdict(runs: readonly RunResult[], labels: readonly string[], baselineIndex: number, slo: Slo): Verdict {
  const rows: VerdictRow[] = runs.map((run, i) => {
    const values: Record<string, number | undefined> = {};
    for (const m of VERDICT_METRICS) {
      const v = m.value(run, slo);
      values[m.key] = typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    }
    return { label: labels[i], values, deltasPct: {}, sentence: '' };
  });
  const base = rows[baselineIndex];
  for (const row of rows) {
    for (const m of VERDICT_METRICS) {
      const a = row.values[m.key];
      const b = base.values[m.key];
      row.deltasPct[m.key] = a === undefined || b === undefined ? undefined : m.points ? a - b : b === 0 ? (a === 0 ? 0 : undefined) : (100 * (a - b)) / Math.abs(b);
    }
  }
  const arrivalLimited = isArrivalLimited(runs);
  // Rank by goodput; without per-request records, by throughput.
  const rankKey = rows.every((r) => r.values.goodput !== undefined) ? 'goodput' : 'throughput';
  const score = (r: VerdictRow) => r.values[rankKey] ?? -Infinity;
  const leader = rows.reduce((best, r) => (score(r) > score(best) || (score(r) === score(best) && lower(r, best, 'ttftP99')) ? r : best), rows[0]);
  for (const row of rows) row.sentence = runSentence(row, rows, leader, base, rankKey, slo);
  return { baselineLabel: base.label, rows, headline: headline(rows, leader, base, rankKey, arrivalLimited, slo), arrivalLimited };
}

/**
 * Every run completed requests at the rate they arrived (within 2 %), and at the same rate as the
 * others: then throughput says nothing about the policies, only about the trace.
 */
export function isArrivalLimited(runs: readonly RunResult[]): boolean {
  if (runs.length === 0) return false;
  const rates = runs.map((r) => r.summary.requestsPerS);
  const hi = Math.max(...rates);
  const lo = Math.min(...rates);
  if (!(hi > 0) || (hi - lo) / hi > 0.02) return false;
  return runs.every((r) => {
    const offered = offeredRatePerS(r);
    return offered !== undefined && Math.abs(r.summary.requestsPerS - offered) / offered <= 0.05;
  });
}

/** Mean arrival rate of a run's requests, (n - 1) / (last - first arrival); undefined without records. */
export function offeredRatePerS(run: RunResult): number | undefined {
  const a = run.requests.arrivalS.filter((t) => typeof t === 'number' && Number.isFinite(t));
  if (a.length < 2) return undefined;
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of a) {
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  // A span below a microsecond is no rate (one burst, or sub-normal times): report none.
  const rate = hi - lo > 1e-6 ? (a.length - 1) / (hi - lo) : undefined;
  return rate !== undefined && Number.isFinite(rate) ? rate : undefined;
}

function headline(rows: VerdictRow[], leader: VerdictRow, base: VerdictRow, rankKey: string, arrivalLimited: boolean, slo: Slo): string {
  const what = rankKey === 'goodput' ? `goodput (requests/s finishing within TTFT ≤ ${fmtS(slo.ttftS)} and TBT ≤ ${fmtS(slo.tbtS)})` : 'throughput (no per-request records, so no SLO figure)';
  const scores = rows.map((r) => r.values[rankKey] ?? 0);
  const top = Math.max(...scores);
  const tied = rows.filter((r) => (r.values[rankKey] ?? 0) >= top * 0.99);
  if (tied.length === rows.length && rows.length > 1) {
    const tail = best(rows, 'ttftP99');
    const waste = best(rows, 'waste');
    const load = arrivalLimited ? ' Every policy kept up with the arrival rate, so throughput is set by the trace, not by memory;' : '';
    return (
      `No policy wins on ${what} at this load: all are within 1 % (${fmt(top, rankKey)}).${load} ` +
      `the differences are in tail latency (lowest TTFT p99: ${tail.label}, ${fmt(tail.values.ttftP99, 'ms')}) and memory (least waste: ${waste.label}, ${fmt(waste.values.waste, '%')}). ` +
      'The load sweep, when given, shows where memory starts to decide.'
    );
  }
  const reason = why(leader, rows.filter((r) => r !== leader));
  const vsBase = leader === base ? '' : ` (${fmtDelta(leader.deltasPct[rankKey])} vs baseline ${base.label})`;
  return `${leader.label} is the choice on this trace: highest ${what}, ${fmt(leader.values[rankKey], rankKey)}${vsBase}${reason ? `, because it ${reason}` : ''}.`;
}

function runSentence(row: VerdictRow, rows: VerdictRow[], leader: VerdictRow, base: VerdictRow, rankKey: string, slo: Slo): string {
  const parts: string[] = [];
  const g = row.values[rankKey];
  const met = row.values.sloMet;
  const head =
    rankKey === 'goodput'
      ? `${fmt(g, 'goodput')} req/s within SLO${met !== undefined ? ` (${met.toFixed(1)} % of requests)` : ''}`
      : `${fmt(g, 'throughput')} output tok/s`;
  parts.push(row === base ? `${head}; the baseline` : `${head}, ${fmtDelta(row.deltasPct[rankKey])} vs ${base.label}`);
  const tied = rows.filter((r) => r !== row && (r.values[rankKey] ?? 0) >= (leader.values[rankKey] ?? 0) * 0.99);
  if (row === leader && tied.length > 0) {
    parts.push(`ties for the lead with ${tied.map((r) => r.label).join(', ')} (within 1 %)`);
  } else if (row === leader) {
    const reason = why(row, [base].filter((r) => r !== row));
    parts.push(reason ? `leads because it ${reason}` : 'leads');
  } else if ((g ?? 0) < (leader.values[rankKey] ?? 0) * 0.99) {
    const reason = whyNot(row, leader, slo);
    parts.push(`trails ${leader.label}${reason ? `: ${reason}` : ''}`);
  } else {
    parts.push(`on par with ${leader.label} (within 1 %)`);
  }
  return `${parts.join('; ')}.`;
}

/** The figure that best explains why `row` beats the others (largest relative advantage). */
function why(row: VerdictRow, others: VerdictRow[]): string {
  if (others.length === 0) return '';
  // The other run furthest from `row` on a figure (lowest when higher is better, highest otherwise).
  const worst = (key: string, better: 'higher' | 'lower') => {
    const known = others.filter((o) => o.values[key] !== undefined);
    if (known.length === 0) return others[0];
    return known.reduce((w, o) => ((better === 'higher' ? o.values[key]! < w.values[key]! : o.values[key]! > w.values[key]!) ? o : w), known[0]);
  };
  const cap = row.values.capacity ?? 0;
  const capOther = worst('capacity', 'higher');
  const capRatio = (capOther.values.capacity ?? 0) > 0 ? cap / (capOther.values.capacity ?? 1) : Infinity;
  if (capRatio >= 1.1) {
    return `holds ${cap} requests at once against ${capOther.values.capacity} for ${capOther.label} (${fmt(row.values.waste, '%')} memory waste vs ${fmt(capOther.values.waste, '%')})`;
  }
  const pre = worst('preemptions', 'lower');
  if ((pre.values.preemptions ?? 0) > (row.values.preemptions ?? 0) * 2 + 10) {
    return `needs ${row.values.preemptions} preemptions where ${pre.label} needs ${pre.values.preemptions} (work recomputed)`;
  }
  const ttft = worst('ttftP99', 'lower');
  if ((ttft.values.ttftP99 ?? 0) > (row.values.ttftP99 ?? 0) * 1.1) {
    return `keeps TTFT p99 at ${fmt(row.values.ttftP99, 'ms')} against ${fmt(ttft.values.ttftP99, 'ms')} for ${ttft.label}`;
  }
  const tbt = worst('tbtP99', 'lower');
  if ((tbt.values.tbtP99 ?? 0) > (row.values.tbtP99 ?? 0) * 1.05) {
    return `keeps TBT p99 at ${fmt(row.values.tbtP99, 'ms')} against ${fmt(tbt.values.tbtP99, 'ms')} for ${tbt.label}`;
  }
  return '';
}

/** The figure that best explains why `row` loses to the leader. */
function whyNot(row: VerdictRow, leader: VerdictRow, slo: Slo): string {
  const reasons: string[] = [];
  const cap = row.values.capacity ?? 0;
  const capLead = leader.values.capacity ?? 0;
  if (capLead > cap * 1.1) reasons.push(`fits ${cap} requests at once against ${capLead} (${fmt(row.values.waste, '%')} of allocated memory wasted), so requests queue`);
  if ((row.values.preemptions ?? 0) > (leader.values.preemptions ?? 0) * 2 + 10) reasons.push(`${row.values.preemptions} preemptions recompute work`);
  if ((row.values.ttftP99 ?? 0) > slo.ttftS * 1000) reasons.push(`TTFT p99 ${fmt(row.values.ttftP99, 'ms')} is past the ${fmtS(slo.ttftS)} target`);
  if ((row.values.tbtP99 ?? 0) > slo.tbtS * 1000) reasons.push(`TBT p99 ${fmt(row.values.tbtP99, 'ms')} is past the ${fmtS(slo.tbtS)} target`);
  if ((row.values.stall ?? 0) > (leader.values.stall ?? 0) * 1.5 + 100) reasons.push(`allocation stalls add ${fmt(row.values.stall, 'ms')}`);
  return reasons.slice(0, 2).join('; ');
}

function best(rows: VerdictRow[], key: string): VerdictRow {
  const m = VERDICT_METRICS.find((x) => x.key === key)!;
  return rows.reduce((b, r) => {
    const v = r.values[key];
    const w = b.values[key];
    if (v === undefined) return b;
    if (w === undefined) return r;
    return (m.better === 'lower' ? v < w : v > w) ? r : b;
  }, rows[0]);
}

function lower(a: VerdictRow, b: VerdictRow, key: string): boolean {
  return (a.values[key] ?? Infinity) < (b.values[key] ?? Infinity);
}

function mapDefined<T, U>(v: T | undefined, f: (v: T) => U): U | undefined {
  return v === undefined ? undefined : f(v);
}

/** A figure as the sentences print it, with its unit. */
export function fmt(v: number | undefined, kind: string): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  if (kind === 'ms') return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(v >= 100 ? 0 : 1)} ms`;
  if (kind === '%') return `${v.toFixed(1)} %`;
  if (kind === 'goodput') return `${v.toFixed(2)}`;
  if (kind === 'throughput') return `${v.toFixed(0)}`;
  return String(v);
}

export function fmtDelta(pct: number | undefined, points = false): string {
  const unit = points ? ' pp' : ' %';
  if (pct === undefined || !Number.isFinite(pct)) return '±?';
  if (Math.abs(pct) < 0.05) return `±0${unit}`;
  return `${pct > 0 ? '+' : '−'}${Math.abs(pct) >= 10 ? Math.abs(pct).toFixed(0) : Math.abs(pct).toFixed(1)}${unit}`;
}

function fmtS(s: number): string {
  return s >= 1 ? `${s} s` : `${Number((s * 1000).toPrecision(3))} ms`;
}
