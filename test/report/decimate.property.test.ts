import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimate } from '../../src/report/decimate.js';
import { ecdf } from '../../src/report/ecdf.js';

describe('decimate', () => {
  it('keeps the extremes, the endpoints and index order, and stays within the point budget', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e12, max: 1e12, noNaN: true }), { minLength: 1, maxLength: 3000 }), fc.integer({ min: 1, max: 100 }), (ys, buckets) => {
        const xs = ys.map((_, i) => i);
        const out = decimate(xs, ys, buckets);
        expect(out.length).toBeLessThanOrEqual(Math.max(ys.length <= buckets * 4 ? ys.length : 0, buckets * 4));
        expect(Math.max(...out.map((p) => p[1]))).toBe(Math.max(...ys));
        expect(Math.min(...out.map((p) => p[1]))).toBe(Math.min(...ys));
        expect(out[0][0]).toBe(0);
        expect(out[out.length - 1][0]).toBe(ys.length - 1);
        for (let i = 1; i < out.length; i++) expect(out[i][0]).toBeGreaterThan(out[i - 1][0]);
      }),
      { numRuns: 300 },
    );
  });

  it('drops non-finite values (JSON null, NaN)', () => {
    expect(decimate([0, 1, 2], [1, Number.NaN, 3], 10)).toEqual([[0, 1], [2, 3]]);
  });
});

describe('ecdf', () => {
  it('is non-decreasing, ends at 1 at the maximum, and matches the exact fraction at every kept point', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 2000 }), fc.integer({ min: 2, max: 500 }), (values, maxPoints) => {
        const pts = ecdf(values, maxPoints);
        expect(pts.length).toBeLessThanOrEqual(maxPoints + 1);
        expect(pts[pts.length - 1]).toEqual([Math.max(...values), 1]);
        for (let i = 1; i < pts.length; i++) {
          expect(pts[i][0]).toBeGreaterThanOrEqual(pts[i - 1][0]);
          expect(pts[i][1]).toBeGreaterThan(pts[i - 1][1]);
        }
        for (const [v, p] of pts) expect(p).toBeLessThanOrEqual(values.filter((x) => x <= v).length / values.length);
      }),
      { numRuns: 200 },
    );
  });
});
