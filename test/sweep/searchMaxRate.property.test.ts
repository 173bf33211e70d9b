import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { searchMaxRate } from '../../src/sweep/searchMaxRate.js';

describe('searchMaxRate', () => {
  it('finds a monotone threshold within the stated tolerance, in the stated number of probes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.double({ min: 1.5, max: 1000, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.001, max: 0.3, noNaN: true }),
        async (lo, span, where, tol) => {
          const hi = lo * span;
          const threshold = lo * Math.pow(span, where);
          const r = await searchMaxRate(async (rate) => ({ pass: rate <= threshold, value: rate }), lo, hi, tol);
          const bound = Math.ceil(Math.log2(Math.log(span) / Math.log(1 + tol))) + 2;
          expect(r.probes.length).toBeLessThanOrEqual(Math.max(2, bound));
          if (threshold >= hi) {
            expect(r).toMatchObject({ maxRatePerS: hi, capped: true });
            return;
          }
          expect(r.capped).toBe(false);
          expect(r.maxRatePerS).not.toBeNull();
          expect(r.maxRatePerS!).toBeLessThanOrEqual(threshold);
          expect(threshold).toBeLessThan(r.maxRatePerS! * (1 + tol) * (1 + 1e-12));
          expect(r.best).toBe(r.maxRatePerS);
        },
      ),
      { seed: 17, numRuns: 300 },
    );
  });

  it('reports no capacity when the lowest rate fails, and is deterministic', async () => {
    const none = await searchMaxRate(async () => ({ pass: false, value: 0 }), 1, 8, 0.05);
    expect(none).toEqual({ maxRatePerS: null, best: null, capped: false, probes: [1] });
    const probe = async (rate: number) => ({ pass: rate < 3.3, value: rate });
    expect((await searchMaxRate(probe, 0.5, 64, 0.02)).probes).toEqual((await searchMaxRate(probe, 0.5, 64, 0.02)).probes);
  });
});
