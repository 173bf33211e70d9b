import { kvsimVersion } from '../sim/engine/kvsimVersion.js';
import type { RunResult, RunSummary } from '../sim/metrics/RunResult.js';
import type { SweepRun } from './SweepRun.js';
import { SWEEP_OPTIONS } from './sweepOptions.js';

/** Column types, as DuckDB names them. */
export type ColumnType = 'VARCHAR' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN';

/** One result column: its name in the store and its type. */
export interface Column {
  name: string;
  type: ColumnType;
}

/** One row of results per run: config columns, then (for searches) SLO columns, then summary metrics. */
export type SweepRow = Record<string, string | number | boolean | null>;

const snake = (name: string) => name.replace(/-/g, '_');

const CONFIG_COLUMNS: Column[] = [
  { name: 'id', type: 'VARCHAR' },
  { name: 'kind', type: 'VARCHAR' },
  ...SWEEP_OPTIONS.map((o): Column => ({ name: snake(o.name), type: o.kind === 'string' ? 'VARCHAR' : o.kind === 'boolean' ? 'BOOLEAN' : o.kind === 'number' ? 'DOUBLE' : 'BIGINT' })),
  { name: 'trace_sha256', type: 'VARCHAR' },
];

const SLO_COLUMNS: Column[] = [
  { name: 'slo_name', type: 'VARCHAR' },
  { name: 'slo_limits', type: 'VARCHAR' },
  { name: 'slo_rate_min', type: 'DOUBLE' },
  { name: 'slo_rate_max', type: 'DOUBLE' },
  { name: 'slo_tolerance', type: 'DOUBLE' },
  { name: 'slo_max_rate_per_s', type: 'DOUBLE' },
  { name: 'slo_capped', type: 'BOOLEAN' },
  { name: 'slo_probes', type: 'BIGINT' },
];

const PERCENTILE_GROUPS = ['ttft', 'tbt', 'e2e', 'normalized_latency'] as const;
const STATS = ['mean', 'p50', 'p90', 'p99', 'max'] as const;

const METRIC_COLUMNS: Column[] = [
  { name: 'policy_label', type: 'VARCHAR' },
  { name: 'executor', type: 'VARCHAR' },
  { name: 'effective_seed', type: 'BIGINT' },
  { name: 'kvsim_version', type: 'VARCHAR' },
  { name: 'requests', type: 'BIGINT' },
  { name: 'completed', type: 'BIGINT' },
  { name: 'dropped', type: 'BIGINT' },
  { name: 'makespan_s', type: 'DOUBLE' },
  { name: 'output_tokens_per_s', type: 'DOUBLE' },
  { name: 'requests_per_s', type: 'DOUBLE' },
  ...PERCENTILE_GROUPS.flatMap((g) => STATS.map((s): Column => ({ name: `${g}_${s}_s`, type: 'DOUBLE' }))),
  { name: 'iterations', type: 'BIGINT' },
  { name: 'max_batch', type: 'BIGINT' },
  { name: 'mean_batch', type: 'DOUBLE' },
  { name: 'max_concurrent_requests', type: 'BIGINT' },
  { name: 'peak_live_bytes', type: 'BIGINT' },
  { name: 'peak_allocated_bytes', type: 'BIGINT' },
  { name: 'peak_reserved_bytes', type: 'BIGINT' },
  { name: 'capacity_bytes', type: 'BIGINT' },
  { name: 'mean_fragmentation_ratio', type: 'DOUBLE' },
  { name: 'peak_fragmentation_bytes', type: 'BIGINT' },
  { name: 'preemptions', type: 'BIGINT' },
  { name: 'refused', type: 'BIGINT' },
  { name: 'alloc_ops', type: 'BIGINT' },
  { name: 'alloc_time_s', type: 'DOUBLE' },
  { name: 'stall_s', type: 'DOUBLE' },
];

/** Every column of the results table, in order (schema kvsim.sweep-row/1; README "Sweeps" documents it). */
export const SWEEP_COLUMNS: readonly Column[] = [...CONFIG_COLUMNS, ...SLO_COLUMNS, ...METRIC_COLUMNS];

export const SWEEP_ROW_SCHEMA = 'kvsim.sweep-row/1';

/** The row of a finished run: `result` is the replay (for a search, the one at the highest passing rate, or null). */
export function sweepRow(run: SweepRun, result: RunResult | null, search?: { maxRatePerS: number | null; capped: boolean; probes: number }): SweepRow {
  const row: SweepRow = {};
  for (const c of SWEEP_COLUMNS) row[c.name] = null;
  row.id = run.id;
  row.kind = run.kind;
  // Always set (a search with no passing rate has no metrics): resume redoes rows of another version.
  row.kvsim_version = kvsimVersion();
  for (const [k, v] of Object.entries(run.options)) row[snake(k)] = v;
  if (run.slo && search) {
    row.slo_name = run.slo.name;
    row.slo_limits = run.slo.limits.map((l) => `${l.metric}-${l.stat}-ms<=${l.maxMs}`).join(' ');
    row.slo_rate_min = run.slo.rateMinPerS;
    row.slo_rate_max = run.slo.rateMaxPerS;
    row.slo_tolerance = run.slo.tolerance;
    row.slo_max_rate_per_s = search.maxRatePerS;
    row.slo_capped = search.capped;
    row.slo_probes = search.probes;
    row.rate = search.maxRatePerS;
  }
  if (result) Object.assign(row, metrics(result));
  return row;
}

function metrics(r: RunResult): SweepRow {
  const s: RunSummary = r.summary;
  const row: SweepRow = {
    policy_label: r.config.policy,
    executor: r.config.executor,
    effective_seed: r.config.seed,
    kvsim_version: r.config.kvsimVersion,
    requests: s.requests,
    completed: s.completed,
    dropped: s.dropped ?? 0,
    makespan_s: s.makespanS,
    output_tokens_per_s: s.outputTokensPerS,
    requests_per_s: s.requestsPerS,
    iterations: s.iterations,
    max_batch: s.maxBatch,
    mean_batch: s.meanBatch,
    max_concurrent_requests: s.maxConcurrentRequests,
    peak_live_bytes: s.peakLiveBytes,
    peak_allocated_bytes: s.peakAllocatedBytes,
    peak_reserved_bytes: s.peakReservedBytes,
    capacity_bytes: s.capacityBytes,
    mean_fragmentation_ratio: s.meanFragmentationRatio,
    peak_fragmentation_bytes: s.peakFragmentationBytes,
    preemptions: s.preemptions,
    refused: s.refused,
    alloc_ops: s.allocOps,
    alloc_time_s: s.allocTimeS,
    stall_s: s.stallS,
  };
  const groups = { ttft: s.ttftS, tbt: s.tbtS, e2e: s.e2eS, normalized_latency: s.normalizedLatencyS };
  for (const g of PERCENTILE_GROUPS) for (const st of STATS) row[`${g}_${st}_s`] = finite(groups[g][st]);
  return row;
}

/** NaN/Infinity (no requests finished) have no JSON form: null. */
function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
