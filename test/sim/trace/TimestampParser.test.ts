import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimestampParser } from '../../../src/sim/trace/TimestampParser.js';
import { azureTimestamp } from '../../../src/sim/trace/writeTrace.js';

function parse(text: string): { wholeS: number; fracNs: number } | string {
  const p = new TimestampParser();
  const why = p.parse(text);
  return why ?? { wholeS: p.wholeS, fracNs: p.fracNs };
}

describe('TimestampParser', () => {
  it('agrees with Date.UTC to the second and keeps nanoseconds exact', () => {
    expect(parse('2023-11-16 18:17:03.9799600')).toEqual({ wholeS: Date.UTC(2023, 10, 16, 18, 17, 3) / 1000, fracNs: 979_960_000 });
    expect(parse('2023-11-16T18:17:03Z')).toEqual({ wholeS: Date.UTC(2023, 10, 16, 18, 17, 3) / 1000, fracNs: 0 });
    expect(parse('2023-11-16 18:17:03.5+01:30')).toEqual({ wholeS: Date.UTC(2023, 10, 16, 16, 47, 3) / 1000, fracNs: 500_000_000 });
    expect(parse('  2000-02-29 00:00:00.123456789123 ')).toEqual({ wholeS: Date.UTC(2000, 1, 29) / 1000, fracNs: 123_456_789 });
  });

  it('matches Date.UTC on random dates (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(Date.UTC(1900, 0, 1)), max: new Date(Date.UTC(2200, 0, 1)), noInvalidDate: true }), (d) => {
        const text = d.toISOString().replace('T', ' ').replace('Z', '');
        const got = parse(text);
        expect(got).toEqual({ wholeS: Math.floor(d.getTime() / 1000), fracNs: (((d.getTime() % 1000) + 1000) % 1000) * 1e6 });
      }),
      { numRuns: 2000 },
    );
  });

  it('says what is wrong', () => {
    expect(parse('2023-02-29 00:00:00')).toBe('expected a date YYYY-MM-DD at the start of the timestamp');
    expect(parse('2023-11-16 24:00:00')).toBe('expected a time HH:MM:SS');
    expect(parse('2023-11-16 18:17:03.')).toBe('expected digits after the decimal point');
    expect(parse('2023-11-16 18:17:03 PM')).toBe('unexpected characters after the time');
    expect(parse('18:17:03')).toBe('expected a timestamp like 2023-11-16 18:17:03.9799600');
  });

  it('the azure writer’s timestamps parse back to the same 100 ns tick, across days', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 86400 * 1e7 }), (ticks) => {
        const p = new TimestampParser();
        expect(p.parse(azureTimestamp(ticks / 1e7))).toBeNull();
        const base = new TimestampParser();
        base.parse(azureTimestamp(0));
        expect((p.wholeS - base.wholeS) * 1e7 + (p.fracNs - base.fracNs) / 100).toBe(ticks);
      }),
      { numRuns: 2000 },
    );
  });
});
