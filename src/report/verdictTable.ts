import { escapeHtml } from './html.js';
import type { Slo } from './sloGoodput.js';
import { fmtDelta, VERDICT_METRICS, type Verdict } from './verdict.js';

/**
 * The first screen: the headline verdict, then one row per run with the deciding figures, each with
 * its difference against the baseline run (green where better, red where worse), and one sentence
 * per run. Cells carry their raw values (`data-value`) so the page's script can switch baselines.
 */
export function verdictTable(v: Verdict, slo: Slo, context: string, sweepLine?: string): string {
  const head = VERDICT_METRICS.map((m) => `<th data-key="${m.key}" data-better="${m.better}"${m.points ? ' data-points="1"' : ''}>${escapeHtml(m.label)}</th>`).join('');
  const body = v.rows
    .map((row) => {
      const isBase = row.label === v.baselineLabel;
      const cells = VERDICT_METRICS.map((m) => {
        const value = row.values[m.key];
        const text = value === undefined ? '–' : value.toFixed(m.digits);
        const d = row.deltasPct[m.key];
        const tone = isBase || d === undefined || Math.abs(d) < 0.05 ? '' : (m.better === 'higher') === d > 0 ? ' good' : ' bad';
        const delta = isBase ? 'baseline' : fmtDelta(d, m.points);
        return `<td data-key="${m.key}" data-value="${value === undefined ? '' : String(value)}">${text}<span class="delta${tone}">${escapeHtml(delta)}</span></td>`;
      }).join('');
      return `<tr${isBase ? ' class="baseline"' : ''} data-run="${escapeHtml(row.label)}"><td class="l run">${escapeHtml(row.label)}</td>${cells}</tr>`;
    })
    .join('');
  const options = v.rows.map((r) => `<option${r.label === v.baselineLabel ? ' selected' : ''}>${escapeHtml(r.label)}</option>`).join('');
  const picker = `<label class="baseline-pick" hidden>baseline <select id="baseline-select">${options}</select></label>`;
  const sloText = `SLO: TTFT ≤ ${slo.ttftS} s and mean TBT per request ≤ ${slo.tbtS * 1000} ms (set with --slo-ttft / --slo-tbt; a user choice, not a measured figure).`;
  return (
    `<section id="verdict"><h2>Verdict</h2>${sweepLine ? `<p class="headline" id="sweep-headline">${escapeHtml(sweepLine)}</p>` : ''}<p class="headline" id="headline">${escapeHtml(v.headline)}</p>` +
    `<p class="lead">${escapeHtml(context)} Differences are against ${escapeHtml(v.baselineLabel)} (--baseline). ${escapeHtml(sloText)}</p>${picker}` +
    `<div class="scroll"><table id="verdict-table"><thead><tr><th class="l">run</th>${head}</tr></thead><tbody>${body}</tbody></table></div>` +
    `<ul class="why">${v.rows.map((r) => `<li data-run="${escapeHtml(r.label)}"><b>${escapeHtml(r.label)}</b>: ${escapeHtml(r.sentence)}</li>`).join('')}</ul></section>`
  );
}
