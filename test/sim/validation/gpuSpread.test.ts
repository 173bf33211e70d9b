import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/sim/metrics/RunResult.js';
import { formatGpuSpread, gpuSpread, type GpuRunSample } from '../../../src/sim/validation/gpuSpread.js';

// gpuSpread on synthetic GPU runs: iterations are matched by plan, not by index, and the end-to-end
// figures are the largest difference of any repeat from the first.
function summary(makespanS: number, ttft: number, tbt: number): RunResult {
  const q = (x: number) => ({ p50: x, p90: x, p99: 2 * x });
  return { summary: { makespanS, outputTokensPerS: 1000 / makespanS, ttftS: q(ttft), tbtS: q(tbt), e2eS: q(ttft + tbt) } } as unknown as RunResult;
}
/** A run whose iterations have the given (batch, decodeKvTokens, gpuS) plans, decode-only. */
function sample(run: RunResult, its: [number, number, number][]): GpuRunSample {
  return {
    run,
    pairs: {
      gpuS: its.map((x) => x[2]),
      batchSize: its.map((x) => x[0]),
      prefillTokens: its.map(() => 0),
      decodeTokens: its.map((x) => x[0]),
      prefillKvTokens: its.map(() => 0),
      decodeKvTokens: its.map((x) => x[1]),
      allocOps: its.map(() => 0),
    },
  };
}

describe('gpuSpread', () => {
  it('matches iterations by plan whatever their order, and reports the bias and the largest end-to-end difference', () => {
    const first = sample(summary(10, 0.1, 0.01), [[1, 100, 1e-3], [2, 300, 2e-3], [4, 900, 4e-3]]);
    // Same plans, other order, 2% faster; plus a plan the first run never had (left out).
    const fast = sample(summary(9.9, 0.098, 0.0099), [[4, 900, 3.92e-3], [1, 100, 0.98e-3], [2, 300, 1.96e-3], [8, 50, 9e-3]]);
    // Same speed except one plan 10% slower.
    const slow = sample(summary(10.2, 0.1, 0.0103), [[1, 100, 1.1e-3], [2, 300, 2e-3], [4, 900, 4e-3]]);
    const s = gpuSpread([first, fast, slow]);
    expect(s.runs).toBe(3);
    expect(s.samePlan.plans).toBe(6);
    expect(s.samePlan.max).toBeCloseTo(0.1, 12);
    expect(s.samePlan.median).toBeCloseTo(0.02, 12);
    // (-0.02*7e-3 + 0.1e-3) / (2 * 7e-3)
    expect(s.samePlan.bias).toBeCloseTo((-0.02 * 7e-3 + 0.1e-3) / 14e-3, 12);
    expect(s.endToEnd.makespanS).toBeCloseTo(0.02, 12);
    expect(s.endToEnd.ttftP50).toBeCloseTo(0.02, 12);
    expect(s.endToEnd.tbtP50).toBeCloseTo(0.03, 12);
    expect(formatGpuSpread(s)).toMatch(/^GPU run-to-run spread \(3 replays .* same-plan iterations \(6 plans\) median 2\.00%, p95 10\.00%, max 10\.00%.* makespan ±2\.00%/);
  });

  it('needs two runs', () => {
    expect(() => gpuSpread([sample(summary(1, 1, 1), [[1, 1, 1]])])).toThrow(/at least 2 GPU runs/);
  });
});
