import type { Percentiles, RunResult } from './RunResult.js';

type Row = [label: string, value: (r: RunResult) => string];

const ms = (s: number) => (Number.isFinite(s) ? `${(s * 1000).toFixed(s < 0.1 ? 2 : 1)} ms` : '-');
const pct = (p: Percentiles, k: keyof Percentiles) => ms(p[k]);
const gib = (b: number) => `${(b / 1024 ** 3).toFixed(2)} GiB`;
const num = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : '-');

const ROWS: Row[] = [
  ['model', (r) => r.config.model],
  ['policy', (r) => r.config.policy],
  ['completed / dropped', (r) => `${r.summary.completed} / ${r.summary.dropped ?? 0}`],
  ['throughput tok/s', (r) => num(r.summary.outputTokensPerS)],
  ['throughput req/s', (r) => num(r.summary.requestsPerS, 2)],
  ['TTFT p50', (r) => pct(r.summary.ttftS, 'p50')],
  ['TTFT p90', (r) => pct(r.summary.ttftS, 'p90')],
  ['TTFT p99', (r) => pct(r.summary.ttftS, 'p99')],
  ['TBT p50', (r) => pct(r.summary.tbtS, 'p50')],
  ['TBT p90', (r) => pct(r.summary.tbtS, 'p90')],
  ['TBT p99', (r) => pct(r.summary.tbtS, 'p99')],
  ['E2E p50', (r) => pct(r.summary.e2eS, 'p50')],
  ['E2E p90', (r) => pct(r.summary.e2eS, 'p90')],
  ['E2E p99', (r) => pct(r.summary.e2eS, 'p99')],
  ['batch max / mean', (r) => `${r.summary.maxBatch} / ${num(r.summary.meanBatch, 1)}`],
  ['max concurrent', (r) => String(r.summary.maxConcurrentRequests)],
  ['peak live', (r) => gib(r.summary.peakLiveBytes)],
  ['peak allocated', (r) => gib(r.summary.peakAllocatedBytes)],
  ['capacity', (r) => gib(r.summary.capacityBytes)],
  ['fragmentation (mean)', (r) => `${(100 * r.summary.meanFragmentationRatio).toFixed(1)} %`],
  ['preemptions', (r) => String(r.summary.preemptions)],
  ['prefix cache hit rate', (r) => prefixHit(r)],
  ['prefill tokens saved', (r) => (r.summary.prefixCache ? String(r.summary.prefixCache.hitTokens + r.summary.prefixCache.resumedHitTokens) : '0')],
  ['allocation ops', (r) => String(r.summary.allocOps)],
  ['allocation time', (r) => ms(r.summary.allocTimeS)],
  ['allocation stall', (r) => ms(r.summary.stallS)],
];

/**
 * The prefix-cache hit rate, or why a policy has none: per-request memory (static reservation,
 * vAttention's per-request virtual buffers) and recurrent state cannot share blocks; hybrid models'
 * attention part is not shared either (vLLM disables prefix caching for hybrid models too).
 */
function prefixHit(r: RunResult): string {
  const c = r.summary.prefixCache;
  if (c) return `${(100 * c.hitRate).toFixed(1)} %`;
  const kind = (r.config.policyOptions as { kind?: string }).kind;
  if (kind === 'paged') return 'off';
  if (kind === 'static' || kind === 'vattention') return '0 % (per-request memory: cannot share)';
  if (kind === 'recurrent') return '0 % (recurrent state: not shareable)';
  if (kind === 'hybrid') return '0 % (hybrid: not modelled)';
  return '-';
}

/**
 * One readable table comparing runs: a row per metric, a column per run (runs side by side is what a
 * reader compares). Plain text, right-aligned numbers.
 */
export function comparisonTable(runs: readonly RunResult[]): string {
  const cells = ROWS.map(([label, f]) => [label, ...runs.map(f)]);
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const [head, policy, ...rest] = cells;
  return [line(head), line(policy), rule, ...rest.map(line)].join('\n') + '\n';
}
