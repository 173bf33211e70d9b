import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogHistogram } from '../../../src/sim/metrics/LogHistogram.js';
import { exactPercentiles } from '../../../src/sim/metrics/percentiles.js';

describe('LogHistogram', () => {
  it('percentiles are within the relative accuracy of the exact nearest-rank ones; mean and max exact', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1e-6, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 400 }), (xs) => {
        const h = new LogHistogram(1e-3);
        for (const x of xs) h.add(x);
        const exact = exactPercentiles(xs);
        const est = h.summary();
        for (const k of ['p50', 'p90', 'p99'] as const) expect(Math.abs(est[k] - exact[k]) / exact[k]).toBeLessThanOrEqual(1e-3 + 1e-12);
        expect(est.max).toBe(exact.max);
        expect(est.mean).toBeCloseTo(exact.mean, 9);
      }),
      { numRuns: 300 },
    );
  });

  it('a weight w is exactly w repeated adds', () => {
    const a = new LogHistogram();
    const b = new LogHistogram();
    a.add(0.25, 5);
    for (let i = 0; i < 5; i++) b.add(0.25);
    expect(a.summary()).toEqual(b.summary());
  });

  it('empty gives NaN', () => {
    expect(new LogHistogram().summary().p50).toBeNaN();
  });
});
