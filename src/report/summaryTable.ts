import type { RunResult } from '../sim/metrics/RunResult.js';
import { escapeHtml } from './html.js';
import { formatBytes } from './units.js';

/** One HTML table row per run: configuration on the left, the summary figures people compare on the right. */
export function summaryTable(runs: readonly RunResult[], labels: readonly string[]): string {
  const ms = (s: number) => (Number.isFinite(s) ? (s * 1000).toFixed(1) : '–');
  const head = [
    'run', 'trace', 'model', 'GPU', 'TP', 'scheduler', 'backend', 'requests (done)', 'out tok/s', 'req/s',
    'TTFT p50 / p99 (ms)', 'TBT p50 / p99 (ms)', 'E2E p50 / p99 (s)', 'max / mean batch', 'max concurrent',
    'peak allocated', 'mean frag.', 'preempted', 'refused', 'alloc time (ms)', 'stall (ms)',
  ];
  const rows = runs.map((r, i) => {
    const c = r.config;
    const s = r.summary;
    const cells: [string, boolean][] = [
      [labels[i], true], [c.trace, true], [c.model, true], [c.gpu, true], [String(c.tp), false], [c.scheduler, true], [`${c.backend} · ${c.executor}`, true],
      [`${s.requests} (${s.completed})`, false], [s.outputTokensPerS.toFixed(0), false], [s.requestsPerS.toFixed(2), false],
      [`${ms(s.ttftS.p50)} / ${ms(s.ttftS.p99)}`, false], [`${ms(s.tbtS.p50)} / ${ms(s.tbtS.p99)}`, false],
      [`${s.e2eS.p50.toFixed(2)} / ${s.e2eS.p99.toFixed(2)}`, false], [`${s.maxBatch} / ${s.meanBatch.toFixed(1)}`, false],
      [String(s.maxConcurrentRequests), false], [formatBytes(s.peakAllocatedBytes), false], [`${(100 * s.meanFragmentationRatio).toFixed(1)}%`, false],
      [String(s.preemptions), false], [String(s.refused), false], [ms(s.allocTimeS), false], [ms(s.stallS), false],
    ];
    return `<tr>${cells.map(([t, left]) => `<td${left ? ' class="l"' : ''}>${escapeHtml(t)}</td>`).join('')}</tr>`;
  });
  return `<div class="scroll"><table id="summary"><thead><tr>${head.map((h, i) => `<th${i < 7 ? ' class="l"' : ''}>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}
