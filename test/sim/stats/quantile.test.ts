import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nearestRank, quantileSorted } from '../../../src/sim/stats/quantile.js';

const SEED = 4242;
const sortedArb = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }).map((xs) => Float64Array.from(xs).sort());
const qArb = fc.double({ min: 0, max: 1, noNaN: true });
const withSeed = (run: () => void) => {
  try {
    run();
  } catch (err) {
    throw new Error(`${(err as Error).message}\n(fast-check seed ${SEED})`);
  }
};

describe('quantileSorted', () => {
  it('nearest-rank: the smallest sample with at least a fraction q of the samples at or below it', () => {
    withSeed(() =>
      fc.assert(
        fc.property(sortedArb, qArb, (xs, q) => {
          const v = quantileSorted(xs, q);
          const atOrBelow = (x: number) => xs.filter((y) => y <= x).length;
          // v occurred, covers q of the samples, and no smaller sample does.
          expect(xs).toContain(v);
          expect(atOrBelow(v)).toBeGreaterThanOrEqual(Math.min(xs.length, Math.ceil(q * xs.length)));
          for (const y of xs) if (y < v) expect(atOrBelow(y)).toBeLessThan(Math.max(1, Math.ceil(q * xs.length)));
        }),
        { seed: SEED, numRuns: 300 },
      ),
    );
  });

  it('linear: numpy.percentile default (figures checked by hand against numpy)', () => {
    const xs = [1, 2, 3, 4];
    expect(quantileSorted(xs, 0.5, 'linear')).toBe(2.5); // np.percentile([1,2,3,4], 50)
    expect(quantileSorted(xs, 0.99, 'linear')).toBeCloseTo(3.97, 12); // np.percentile([1,2,3,4], 99)
    expect(quantileSorted(xs, 0, 'linear')).toBe(1);
    expect(quantileSorted(xs, 1, 'linear')).toBe(4);
    expect(quantileSorted(xs, 0.5)).toBe(2); // nearest-rank: the 2nd of 4
    expect(quantileSorted(xs, 0.99)).toBe(4);
  });

  it('linear lies between the two samples around position (n - 1) q', () => {
    withSeed(() =>
      fc.assert(
        fc.property(sortedArb, qArb, (xs, q) => {
          const v = quantileSorted(xs, q, 'linear');
          const pos = (xs.length - 1) * q;
          expect(v).toBeGreaterThanOrEqual(xs[Math.floor(pos)]);
          expect(v).toBeLessThanOrEqual(xs[Math.ceil(pos)]);
        }),
        { seed: SEED, numRuns: 300 },
      ),
    );
  });

  it('is NaN with no samples; nearestRank is at least 1', () => {
    expect(quantileSorted([], 0.5)).toBeNaN();
    expect(quantileSorted([], 0.5, 'linear')).toBeNaN();
    expect(nearestRank(10, 0)).toBe(1);
    expect(nearestRank(10, 0.9)).toBe(9);
    expect(nearestRank(10, 0.91)).toBe(10);
  });
});
