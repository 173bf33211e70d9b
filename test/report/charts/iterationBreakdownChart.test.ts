import { describe, expect, it } from 'vitest';
import { iterationBreakdownChart } from '../../../src/report/charts/iterationBreakdownChart.js';
import { timeAxis } from '../../../src/report/charts/timeAxis.js';
import type { RunResult } from '../../../src/sim/metrics/RunResult.js';

/** A run of four recorded iterations with the given per-iteration overheads (s); every other term fixed. */
function runWithOverheads(overheadS: number[]): RunResult {
  const n = overheadS.length;
  const col = (v: number) => Array.from({ length: n }, () => v);
  return {
    config: { executor: 'simulator' },
    summary: { peakAllocatedBytes: 0 },
    iterations: {
      stride: 1,
      startS: overheadS.map((_, i) => i * 0.01),
      durationS: overheadS.map((o) => 0.006 + o),
      gemmS: col(0.005),
      prefillAttentionS: col(0),
      decodeAttentionS: col(0.001),
      recurrentS: col(0),
      commS: col(0),
      stallS: col(0),
      overheadS,
    },
  } as unknown as RunResult;
}

describe('iterationBreakdownChart', () => {
  it('stacks only positive overhead and states what negative (CUDA-graph) overheads took off, in the caption', () => {
    const run = runWithOverheads([-0.0002, -0.0002, -0.0002, -0.0002]);
    const chart = iterationBreakdownChart(run, 'graphs', 'g', timeAxis([run], 4));
    expect(chart.caption).toContain('CUDA graphs took 0.8 ms');
    expect(chart.caption).toContain('GEMMs 83.3%, decode attention 16.7%'); // 20 ms + 4 ms stacked, no overhead share
    expect(chart.caption).not.toMatch(/CPU \/ launch overhead -/);
  });

  it('says nothing about graphs when no overhead is negative', () => {
    const run = runWithOverheads([0.0001, 0.0001, 0.0001, 0.0001]);
    const chart = iterationBreakdownChart(run, 'eager', 'e', timeAxis([run], 4));
    expect(chart.caption).not.toContain('CUDA graphs');
    expect(chart.caption).toContain('CPU / launch overhead 1.6%');
  });
});
