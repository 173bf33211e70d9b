import { describe, expect, it } from 'vitest';
import { phaseErrors } from '../../../src/sim/validation/phaseErrors.js';
import { iterationPhase } from '../../../src/sim/validation/iterationPhase.js';

describe('iterationPhase', () => {
  it('names prefill-only, mixed and decode-only iterations by their token counts', () => {
    expect(iterationPhase(512, 0)).toBe('prefillOnly');
    expect(iterationPhase(512, 3)).toBe('mixed');
    expect(iterationPhase(0, 3)).toBe('decodeOnly');
  });
});

describe('phaseErrors', () => {
  // 6 iterations: token counts 100, 1, 1, 101 (100+1), 1, 100; allocation in iterations 0 and 3.
  const pairs = {
    gpuS: [0.1, 0.01, 0.01, 0.2, 0.01, 0.1],
    simS: [0.08, 0.011, 0.012, 0.22, 0.01, 0.1],
    prefillTokens: [100, 0, 0, 100, 0, 100],
    decodeTokens: [0, 1, 1, 1, 1, 0],
    allocOps: [2, 0, 0, 1, 0, 0],
  };
  const p = phaseErrors(pairs);

  it('splits the iterations into phases and adds up what each moves the clock by', () => {
    expect([p.prefillOnly.count, p.mixed.count, p.decodeOnly.count]).toEqual([2, 1, 3]);
    expect(p.prefillOnly.signedTotalS).toBeCloseTo(-0.02, 12);
    expect(p.prefillOnly.gpuTotalS).toBeCloseTo(0.2, 12);
    expect(p.mixed.median).toBeCloseTo(0.1, 12);
    expect(p.decodeOnly.signedTotalS).toBeCloseTo(0.003, 12);
    // nearest rank over |errors| 0, .1, .2 (sorted): the median is the 2nd
    expect(p.decodeOnly.median).toBeCloseTo(0.1, 12);
    expect(p.decodeOnly.max).toBeCloseTo(0.2, 12);
    expect(p.decodeOnly.meanSigned).toBeCloseTo(0.1, 12);
  });

  it('groups iterations with allocation work and the first of each token count across phases', () => {
    expect(p.allocation?.count).toBe(2);
    expect(p.allocation?.signedTotalS).toBeCloseTo(-0.02 + 0.02, 12);
    // first of 100, 1 and 101 tokens: iterations 0, 1, 3; repeats: 2, 4, 5
    expect(p.firstOfTokenCount.count).toBe(3);
    expect(p.firstOfTokenCount.signedTotalS).toBeCloseTo(-0.02 + 0.001 + 0.02, 12);
    expect(p.repeatedTokenCount.signedTotalS).toBeCloseTo(0.002, 12);
  });

  it('takes enactment out of both sides when the pairs carry it: a gap that is all enactment vanishes there', () => {
    // Iteration 0: the GPU spent 30 ms on enactment the simulator priced at 10 ms; the rest agrees.
    const q = phaseErrors({ gpuS: [0.1, 0.05], simS: [0.08, 0.05], prefillTokens: [0, 0], decodeTokens: [8, 8], mapS: [0.03, 0], simStallS: [0.01, 0] });
    expect(q.decodeOnly.max).toBeCloseTo(0.2, 12);
    expect(q.withoutEnactment?.count).toBe(2);
    expect(q.withoutEnactment?.max).toBeCloseTo(0, 12);
    expect(q.withoutEnactment?.signedTotalS).toBeCloseTo(0, 12);
    expect(p.withoutEnactment).toBeUndefined();
    expect(() => phaseErrors({ ...pairs, mapS: [0] })).toThrow(/mapS has 1 entries but gpuS 6/);
  });

  it('leaves allocation out without the column, reports an empty phase as NaN, and refuses unpaired columns', () => {
    const q = phaseErrors({ ...pairs, allocOps: undefined });
    expect(q.allocation).toBeUndefined();
    const decodeOnly = phaseErrors({ gpuS: [1], simS: [1], prefillTokens: [0], decodeTokens: [4] });
    expect(decodeOnly.mixed.count).toBe(0);
    expect(decodeOnly.mixed.median).toBeNaN();
    expect(decodeOnly.mixed.signedTotalS).toBe(0);
    expect(() => phaseErrors({ ...pairs, decodeTokens: [1] })).toThrow(/decodeTokens has 1 entries but gpuS 6/);
  });
});
