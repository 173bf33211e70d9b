import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../../src/sim/engine/EventQueue.js';
import { SimClock } from '../../../src/sim/engine/SimClock.js';

describe('EventQueue', () => {
  it('pops in (time, kind, push order) order, whatever the push order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ t: fc.integer({ min: 0, max: 5 }), k: fc.integer({ min: 0, max: 2 }) }), { maxLength: 300 }),
        (events) => {
          const q = new EventQueue(4);
          events.forEach((e, i) => q.push(e.t, e.k, i));
          const expected = events.map((e, i) => ({ ...e, i })).sort((a, b) => a.t - b.t || a.k - b.k || a.i - b.i);
          const out = { timeS: 0, kind: 0, payload: 0 };
          const got: { t: number; k: number; i: number }[] = [];
          while (q.pop(out)) got.push({ t: out.timeS, k: out.kind, i: out.payload });
          expect(got).toEqual(expected);
          expect(q.size).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('interleaved pushes and pops keep the order', () => {
    const q = new EventQueue();
    const out = { timeS: 0, kind: 0, payload: 0 };
    q.push(2, 1, 10);
    q.push(1, 1, 11);
    q.pop(out);
    expect(out).toEqual({ timeS: 1, kind: 1, payload: 11 });
    q.push(2, 0, 12);
    q.pop(out);
    expect(out.payload).toBe(12); // same time, smaller kind first
    q.pop(out);
    expect(out.payload).toBe(10);
    expect(q.pop(out)).toBe(false);
    expect(q.peekTimeS()).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses NaN times', () => {
    expect(() => new EventQueue().push(Number.NaN, 0)).toThrow(/event time/);
  });
});

describe('SimClock', () => {
  it('never goes back', () => {
    const c = new SimClock();
    c.advanceTo(1);
    c.advanceTo(1);
    expect(() => c.advanceTo(0.5)).toThrow(/cannot go back/);
    expect(c.nowS).toBe(1);
  });
});
