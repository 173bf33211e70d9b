import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { sloGoodput } from '../../src/report/sloGoodput.js';
import { verdict } from '../../src/report/verdict.js';
import { writeReport } from '../../src/report/writeReport.js';
import type { RunResult } from '../../src/sim/metrics/RunResult.js';
import { syntheticRun } from './fixtures/syntheticRun.js';

const runs: RunResult[] = JSON.parse(JSON.stringify((['static', 'paged', 'vattention'] as const).map((p) => syntheticRun(p))));
const SLO = { ttftS: 2, tbtS: 0.1 };

/** The verdict table read back from the HTML: per run label, per metric key, value text and delta text. */
function table(html: string): Map<string, Map<string, { value: string; text: string; delta: string }>> {
  const { document } = parseHTML(html);
  const out = new Map<string, Map<string, { value: string; text: string; delta: string }>>();
  for (const tr of document.querySelectorAll('#verdict-table tbody tr')) {
    const cells = new Map<string, { value: string; text: string; delta: string }>();
    for (const td of tr.querySelectorAll('td[data-key]')) {
      const delta = td.querySelector('.delta')?.textContent ?? '';
      cells.set(td.getAttribute('data-key') ?? '', { value: td.getAttribute('data-value') ?? '', text: (td.textContent ?? '').slice(0, -delta.length), delta });
    }
    out.set(tr.getAttribute('data-run') ?? '', cells);
  }
  return out;
}

describe('verdict table', () => {
  it('opens the page, and its numbers are the runs’ own figures', () => {
    const html = writeReport(runs, { sweep: false });
    const { document } = parseHTML(html);
    // The verdict is the first section of the page.
    expect(document.querySelector('section')?.id).toBe('verdict');
    const t = table(html);
    expect([...t.keys()]).toEqual(['static', 'paged', 'vattention']);
    runs.forEach((r) => {
      const row = t.get(r.config.policy)!;
      const s = r.summary;
      expect(Number(row.get('capacity')!.value)).toBe(s.maxConcurrentRequests);
      expect(Number(row.get('throughput')!.value)).toBe(s.outputTokensPerS);
      expect(Number(row.get('ttftP50')!.value)).toBeCloseTo(s.ttftS.p50 * 1000, 9);
      expect(Number(row.get('ttftP99')!.value)).toBeCloseTo(s.ttftS.p99 * 1000, 9);
      expect(Number(row.get('tbtP99')!.value)).toBeCloseTo(s.tbtS.p99 * 1000, 9);
      expect(Number(row.get('waste')!.value)).toBeCloseTo(s.meanFragmentationRatio * 100, 9);
      expect(Number(row.get('goodput')!.value)).toBe(sloGoodput(r, SLO)!.perS);
      expect(row.get('ttftP99')!.text).toBe((s.ttftS.p99 * 1000).toFixed(1));
    });
  });

  it('compares against the default baseline (the paged run) and against a chosen one', () => {
    const byDefault = table(writeReport(runs, { sweep: false }));
    expect(byDefault.get('paged')!.get('capacity')!.delta).toBe('baseline');
    const cap = (p: string) => runs.find((r) => r.config.policy === p)!.summary.maxConcurrentRequests;
    const rel = (a: number, b: number) => (100 * (a - b)) / b;
    const expectDelta = (pct: number) => `${pct > 0 ? '+' : '−'}${Math.abs(pct) >= 10 ? Math.abs(pct).toFixed(0) : Math.abs(pct).toFixed(1)} %`;
    expect(byDefault.get('static')!.get('capacity')!.delta).toBe(expectDelta(rel(cap('static'), cap('paged'))));
    const chosen = table(writeReport(runs, { sweep: false, baseline: 'static' }));
    expect(chosen.get('static')!.get('capacity')!.delta).toBe('baseline');
    expect(chosen.get('paged')!.get('capacity')!.delta).toBe(expectDelta(rel(cap('paged'), cap('static'))));
    // Percentages differ in points, not relative percent.
    const waste = (p: string) => runs.find((r) => r.config.policy === p)!.summary.meanFragmentationRatio * 100;
    expect(chosen.get('paged')!.get('waste')!.delta).toMatch(new RegExp(`^−${Math.abs(waste('paged') - waste('static')).toFixed(0)} pp$`));
    expect(() => writeReport(runs, { sweep: false, baseline: 'nope' })).toThrow(/--baseline: expected one of "static", "paged", "vattention"/);
  });

  it('derives its sentences from the numbers: the leader and the reason change when the numbers do', () => {
    const v = verdict(runs, ['static', 'paged', 'vattention'], 1, SLO);
    const leader = v.rows.reduce((b, r) => ((r.values.goodput ?? 0) > (b.values.goodput ?? 0) ? r : b));
    expect(v.headline).toContain(leader.label);
    // Make static hold 10x the requests of every other run and serve twice the goodput-relevant load: it must lead, by capacity.
    const boosted: RunResult[] = JSON.parse(JSON.stringify(runs));
    boosted[0].summary.maxConcurrentRequests = 10_000;
    boosted[0].summary.makespanS /= 3;
    const w = verdict(boosted, ['static', 'paged', 'vattention'], 1, SLO);
    expect(w.headline).toMatch(/^static is the choice on this trace: .* because it holds 10000 requests at once/);
    expect(w.rows[1].sentence).toMatch(/trails static: fits \d+ requests at once against 10000/);
  });

  it('says when the arrival rate limits throughput instead of drawing equal bars without comment', () => {
    const same: RunResult[] = JSON.parse(JSON.stringify(runs));
    for (const r of same) {
      // Same arrivals in every run, each completing requests as fast as they came.
      r.requests.arrivalS = [...same[0].requests.arrivalS];
      const a = r.requests.arrivalS;
      r.summary.requestsPerS = (a.length - 1) / (a[a.length - 1] - a[0]);
    }
    const html = writeReport(same, { sweep: false });
    expect(html).toContain('The arrival rate limits throughput here');
    expect(writeReport(runs, { sweep: false })).not.toContain('The arrival rate limits throughput here');
  });
});
