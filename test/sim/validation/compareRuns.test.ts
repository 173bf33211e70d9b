import { describe, expect, it } from 'vitest';
import { endToEndErrors, iterationErrors } from '../../../src/sim/validation/compareRuns.js';
import type { Percentiles, RunSummary } from '../../../src/sim/metrics/RunResult.js';

describe('iterationErrors', () => {
  it('computes nearest-rank quantiles of |sim-gpu|/gpu and the signed bias', () => {
    const gpu = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    const sim = [1.01, 0.98, 1.03, 1.0, 1.05, 0.9, 1.02, 1.04, 0.99, 1.2];
    const e = iterationErrors(sim, gpu);
    // |errors| sorted: 0, .01, .01, .02, .02, .03, .04, .05, .1, .2
    expect(e.count).toBe(10);
    expect(e.median).toBeCloseTo(0.02, 12);
    expect(e.p90).toBeCloseTo(0.1, 12);
    expect(e.p95).toBeCloseTo(0.2, 12);
    expect(e.max).toBeCloseTo(0.2, 12);
    expect(e.meanSigned).toBeCloseTo((0.01 - 0.02 + 0.03 + 0 + 0.05 - 0.1 + 0.02 + 0.04 - 0.01 + 0.2) / 10, 12);
  });
  it('refuses unpaired columns', () => {
    expect(() => iterationErrors([1], [1, 2])).toThrow(/1 predictions but 2 measurements/);
  });
});

describe('endToEndErrors', () => {
  const p = (x: number): Percentiles => ({ mean: x, p50: x, p90: 2 * x, p99: 3 * x, max: 4 * x });
  const summary = (scale: number) => ({ makespanS: 100 * scale, outputTokensPerS: 1000 / scale, ttftS: p(scale), tbtS: p(0.01 * scale), e2eS: p(10 * scale) }) as unknown as RunSummary;
  it('is signed: positive when the simulator is slower', () => {
    const e = endToEndErrors(summary(1.1), summary(1));
    expect(e.makespanS).toBeCloseTo(0.1, 12);
    expect(e.ttftP99).toBeCloseTo(0.1, 12);
    expect(e.outputTokensPerS).toBeCloseTo(1 / 1.1 - 1, 12);
  });
});
