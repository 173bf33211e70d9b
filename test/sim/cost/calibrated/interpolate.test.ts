import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { interpolate1D, interpolate2D } from '../../../../src/sim/cost/calibrated/interpolate.js';
import type { Table1D, Table2D } from '../../../../src/sim/cost/calibrated/CalibrationProfile.js';

const t1: Table1D = { x: [1, 4, 16], timeS: [10, 40, 100], xName: 'tokens' };
const t2: Table2D = { a: [1, 8], b: [100, 1000], timeS: [[1, 10], [8, 80]], aName: 'batch', bName: 'context' };

describe('interpolate1D', () => {
  it('returns measurements exactly at grid points', () => {
    for (let i = 0; i < t1.x.length; i++) expect(interpolate1D(t1, t1.x[i])).toEqual({ timeS: t1.timeS[i], provenance: 'interpolated' });
  });
  it('is linear between points', () => {
    expect(interpolate1D(t1, 10).timeS).toBeCloseTo(70, 12);
    expect(interpolate1D(t1, 2.5).timeS).toBeCloseTo(25, 12);
  });
  it('scales with the work above the grid and holds the floor below it', () => {
    expect(interpolate1D(t1, 32)).toEqual({ timeS: 200, provenance: 'extrapolated-linear' });
    expect(interpolate1D(t1, 0.5)).toEqual({ timeS: 10, provenance: 'clamped-floor' });
  });
  it('stays between neighbouring measurements inside the grid (monotone table)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 16, noNaN: true }), (x) => {
        const y = interpolate1D(t1, x).timeS;
        return y >= 10 - 1e-9 && y <= 100 + 1e-9;
      }),
    );
  });
});

describe('interpolate2D', () => {
  it('is exact at grid points and bilinear inside', () => {
    expect(interpolate2D(t2, 8, 1000).timeS).toBe(80);
    expect(interpolate2D(t2, 1, 550).timeS).toBeCloseTo(5.5, 12);
    expect(interpolate2D(t2, 4.5, 100).timeS).toBeCloseTo(4.5, 12);
  });
  it('reports the worse provenance of the two axes', () => {
    expect(interpolate2D(t2, 16, 500).provenance).toBe('extrapolated-linear');
    expect(interpolate2D(t2, 4, 50).provenance).toBe('clamped-floor');
    expect(interpolate2D(t2, 16, 2000)).toEqual({ timeS: 80 * 2 * 2, provenance: 'extrapolated-linear' });
  });
});
