import type { RunResult } from '../sim/metrics/RunResult.js';
import { escapeHtml } from './html.js';
import { formatBytes } from './units.js';

/**
 * Two HTML tables, one row per run: what was run (configuration, wrapped), then the summary figures
 * people compare (kept on one line each, so the numbers line up).
 */
export function summaryTable(runs: readonly RunResult[], labels: readonly string[]): string {
  // Percentiles are null in JSON when nothing completed: print a dash, never throw.
  const ms = (v: number | null | undefined) => fixed(v, 1, 1000);
  const sec = (v: number | null | undefined) => fixed(v, 2);
  const config = table(
    'config',
    ['run', 'trace', 'model', 'GPU', 'TP', 'scheduler', 'backend · executor'],
    runs.map((r, i) => {
      const c = r.config;
      return [labels[i], c.trace, c.model, c.gpu, String(c.tp), c.scheduler, `${c.backend} · ${c.executor}`];
    }),
    [true, true, true, true, false, true, true],
  );
  const head = [
    'run', 'requests (done)', 'out tok/s', 'req/s', 'TTFT p50 / p99 (ms)', 'TBT p50 / p99 (ms)', 'E2E p50 / p99 (s)', 'max / mean batch',
    'max concurrent', 'peak allocated', 'mean frag.', 'preempted', 'refused', 'alloc time (ms)', 'stall (ms)',
  ];
  const summary = table(
    'summary',
    head,
    runs.map((r, i) => {
      const s = r.summary;
      return [
        labels[i], `${s.requests} (${s.completed})`, fixed(s.outputTokensPerS, 0), fixed(s.requestsPerS, 2),
        `${ms(s.ttftS?.p50)} / ${ms(s.ttftS?.p99)}`, `${ms(s.tbtS?.p50)} / ${ms(s.tbtS?.p99)}`, `${sec(s.e2eS?.p50)} / ${sec(s.e2eS?.p99)}`,
        `${s.maxBatch} / ${fixed(s.meanBatch, 1)}`, String(s.maxConcurrentRequests), formatBytes(s.peakAllocatedBytes),
        `${fixed(s.meanFragmentationRatio, 1, 100)}%`, String(s.preemptions), String(s.refused), ms(s.allocTimeS), ms(s.stallS),
      ];
    }),
    head.map((_, i) => i === 0),
  );
  return `<h3>Configuration</h3>${config}<h3>Summary</h3>${summary}`;
}

function fixed(v: number | null | undefined, digits: number, scale = 1): string {
  return typeof v === 'number' && Number.isFinite(v) ? (v * scale).toFixed(digits) : '–';
}

function table(id: string, head: string[], rows: string[][], left: boolean[]): string {
  const cls = (i: number) => (left[i] ? ' class="l"' : '');
  const th = head.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((cells) => `<tr>${cells.map((t, i) => `<td${cls(i)}>${escapeHtml(t)}</td>`).join('')}</tr>`).join('');
  return `<div class="scroll"><table id="${id}"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></div>`;
}
