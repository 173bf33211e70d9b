import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { loadSweep } from '../../src/report/loadSweep.js';
import { writeReport } from '../../src/report/writeReport.js';
import { simulate } from '../../src/sim/engine/simulate.js';
import type { RunResult } from '../../src/sim/metrics/RunResult.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';
import { chartsIn } from './reportDom.js';

/** Real replays of one synthetic trace at three rates under two policies, 4 GiB of KV so memory binds. */
async function sweepRuns(): Promise<RunResult[]> {
  const runs: RunResult[] = [];
  for (const rate of [2, 8, 32]) {
    for (const policy of ['static', 'paged'] as const) {
      const trace = await openTrace(`synthetic:conv:count=150,rate=${rate},seed=9`, { maxContextTokens: 4096 });
      runs.push(JSON.parse(JSON.stringify(await simulate({ trace, model: 'llama-3-8b', hardware: 'h100', policy, capacityBytes: 4 * 2 ** 30 }))));
    }
  }
  return runs;
}

describe('load sweep', () => {
  it('is found in runs at several rates, draws one point per run, and marks where memory binds', async () => {
    const runs = await sweepRuns();
    const sweep = loadSweep(runs, runs.map((r) => r.config.policy));
    expect(sweep.map((s) => s.points.length)).toEqual([3, 3]);
    // 4 GiB binds static (8192-token slots) at some rate in this range.
    expect(sweep.find((s) => s.label.startsWith('static'))?.memoryBindsAtRateS).toBeDefined();
    for (const s of sweep) {
      const binding = s.points.find((p) => p.run.summary.refused > 0 || p.run.summary.preemptions > 0);
      expect(s.memoryBindsAtRateS).toBe(binding?.rateS);
    }
    const html = writeReport(runs, { stateComparison: false });
    const ids = chartsIn(html).map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['sweep-goodput', 'sweep-throughput', 'sweep-ttft', 'sweep-tbt']));
    const { document } = parseHTML(html);
    const dots = [...document.querySelectorAll('#svg-sweep-throughput circle.dot title')].map((t) => t.textContent ?? '');
    expect(dots).toHaveLength(6);
    // Each dot's tooltip is its run's throughput.
    for (const r of runs) expect(dots.some((d) => d.includes(`${Number(r.summary.outputTokensPerS.toPrecision(4))} tok/s`))).toBe(true);
    // The verdict covers the first run's rate only; the page says so.
    expect(document.querySelectorAll('#verdict-table tbody tr')).toHaveLength(2);
    expect(html).toContain('the load sweep below covers every rate given');
  }, 60_000);

  it('is absent when every run has the same rate', async () => {
    const runs = (await sweepRuns()).slice(0, 2);
    expect(loadSweep(runs, ['a', 'b'])).toEqual([]);
    expect(chartsIn(writeReport(runs, { stateComparison: false, sweep: false })).some((c) => c.id.startsWith('sweep-'))).toBe(false);
  }, 60_000);
});
