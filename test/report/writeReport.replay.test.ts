import { describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/writeReport.js';
import { simulate } from '../../src/sim/engine/simulate.js';
import type { RunResult } from '../../src/sim/metrics/RunResult.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';
import { formatBytes } from '../../src/report/units.js';
import { chartsIn } from './reportDom.js';

/** Real replays (the engine, not a fixture): 300 synthetic conversation requests per policy. */
async function replays(metrics?: { perRequest: boolean; maxIterationRecords: number }): Promise<RunResult[]> {
  const runs: RunResult[] = [];
  for (const [model, policy] of [['llama-3-8b', 'static'], ['llama-3-8b', 'paged'], ['llama-3-8b', 'vattention'], ['xlstm-7b', 'recurrent']] as const) {
    const trace = await openTrace('synthetic:conv:count=300,rate=20,seed=3', { maxContextTokens: 8192 });
    const run = await simulate({ trace, model, hardware: 'h100', policy, engine: metrics ? { metrics } : undefined });
    runs.push(JSON.parse(JSON.stringify(run)));
  }
  return runs;
}

describe('writeReport on real replay output', () => {
  it('draws every chart with marks, captions agree with the summaries, and is byte-identical across replays', async () => {
    const runs = await replays();
    const html = writeReport(runs);
    const charts = chartsIn(html);
    expect(charts.filter((c) => c.id.startsWith('memory-'))).toHaveLength(4);
    for (const c of charts) expect(c.marks, c.id).toBeGreaterThan(0);
    for (const r of runs) {
      expect(html).toContain(`peak live ${formatBytes(r.summary.peakLiveBytes)}, peak allocated ${formatBytes(r.summary.peakAllocatedBytes)}`);
    }
    // Policy labels are unique here, so they stand alone; the sweep is for the first run's model.
    expect(html).toContain('data-series="recurrent(state=128.25MiB)"');
    expect(html).toContain('Max concurrent requests by page / block size — llama-3-8b');
    expect(writeReport(await replays())).toBe(html);
  });

  it('still renders runs replayed without per-request or per-iteration columns, and says what is missing', async () => {
    const runs = await replays({ perRequest: false, maxIterationRecords: 0 });
    const html = writeReport(runs);
    expect(html).toContain('kept no per-iteration records');
    const byId = new Map(chartsIn(html).map((c) => [c.id, c]));
    // Summary-based charts still have their bars.
    expect(byId.get('throughput')?.marks).toBe(4);
    expect(byId.get('capacity')?.marks).toBe(8);
  });
});
