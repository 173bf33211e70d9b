import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { firstDivergence } from '../../../src/sim/validation/firstDivergence.js';
import { latencyParts, replayDrift, timeByPhase } from '../../../src/sim/validation/replayDrift.js';
import { formatDrift } from '../../../src/sim/validation/formatDrift.js';
import { schedule, type IterSpec, type ReqSpec } from './scheduleFixture.js';

// Request 0 (arrives at 0) prefills in iteration 0 and decodes; request 1 arrives at 12.5 ms.
const r0: ReqSpec = { arrivalS: 0, admitted: 0, firstToken: 0, finish: 4 };

describe('firstDivergence', () => {
  it('finds nothing when the two schedules agree, whatever their times', () => {
    const iters: IterSpec[] = [[0.01, 1, 100, 0], [0.005, 1, 0, 1], [0.005, 1, 0, 1]];
    const reqs: ReqSpec[] = [{ arrivalS: 0, admitted: 0, firstToken: 0, finish: 2 }];
    const d = firstDivergence(schedule(iters, reqs), schedule(iters.map(([t, ...r]) => [t * 0.9, ...r] as IterSpec), reqs));
    expect(d.iteration).toBeNull();
    expect(d.request).toBeNull();
    expect(d.clockLeadS).toBeNull();
    expect(d.requestsInOtherCohort).toBe(0);
  });

  it('names the request a clock difference admitted in another iteration, and where the lead came from', () => {
    // Simulator: iterations of 10 + 5 ms, so iteration 2 starts at 15 ms, after request 1 arrived: admitted there.
    const sim = schedule(
      [[0.01, 1, 100, 0], [0.005, 1, 0, 1], [0.005, 2, 50, 1], [0.005, 2, 0, 2], [0.005, 2, 0, 2]],
      [r0, { arrivalS: 0.0125, admitted: 2, firstToken: 2, finish: 4 }],
    );
    // GPU: 8 + 4 ms, so iteration 2 starts at 12 ms, before request 1 arrived: admitted in iteration 3.
    const gpu = schedule(
      [[0.008, 1, 100, 0], [0.004, 1, 0, 1], [0.004, 1, 0, 1], [0.004, 2, 50, 1], [0.004, 2, 0, 2]],
      [{ ...r0, finish: 4 }, { arrivalS: 0.0125, admitted: 3, firstToken: 3, finish: 4 }],
    );
    const d = firstDivergence(sim, gpu);
    expect(d.iteration).toBe(2);
    expect(d.sim).toEqual({ batchSize: 2, prefillTokens: 50, decodeTokens: 1 });
    expect(d.gpu).toEqual({ batchSize: 1, prefillTokens: 0, decodeTokens: 1 });
    expect(d.request).toMatchObject({ index: 1, decision: 'admitted', simIteration: 2, gpuIteration: 3, arrivedBeforeSim: true, arrivedBeforeGpu: false });
    expect(d.clockLeadS).toBeCloseTo(0.003, 12);
    expect(d.leadByPhaseS.prefillOnly).toBeCloseTo(0.002, 12);
    expect(d.leadByPhaseS.decodeOnly).toBeCloseTo(0.001, 12);
    expect(d.leadByPhaseS.idle).toBeCloseTo(0, 12);
    expect(d.requestsInOtherCohort).toBe(0);
    expect(formatDrift(replayDrift(sim, gpu))).toMatch(/request 1 .*admitted in iteration 2 by the simulator, iteration 3 on the GPU; it arrived after the GPU's iteration 2 began but before the simulator's: a clock difference/);
  });

  it('tells a waiting decision (budget, memory) from a timing one, counts other cohorts, and splits idle time from busy time', () => {
    const reqs = (second: number): ReqSpec[] => [r0, { arrivalS: 0, admitted: second, firstToken: second, finish: 4 }];
    // Both arrive at 0; the simulator admits both at once, the GPU the second one iteration later.
    const sim = schedule([[0.01, 2, 200, 0], [0.005, 2, 0, 2], [0.005, 2, 0, 2], [0.005, 2, 0, 2], [0.005, 2, 0, 2, 0.002]], reqs(0));
    const gpu = schedule([[0.01, 1, 100, 0], [0.006, 2, 100, 1], [0.005, 2, 0, 2], [0.005, 2, 0, 2], [0.005, 2, 0, 2]], reqs(1));
    const d = firstDivergence(sim, gpu);
    expect(d.iteration).toBe(0);
    expect(d.request).toMatchObject({ index: 1, decision: 'admitted', simIteration: 0, gpuIteration: 1, arrivedBeforeSim: true, arrivedBeforeGpu: true });
    expect(d.requestsInOtherCohort).toBe(2);
    expect(formatDrift(replayDrift(sim, gpu))).toMatch(/waiting in both at iteration 0: the GPU kept it waiting/);
    const t = timeByPhase(sim, gpu);
    expect(t.prefillOnly).toEqual({ simS: 0.01, gpuS: 0.01, simIterations: 1, gpuIterations: 1 });
    expect(t.mixed.gpuIterations).toBe(1);
    expect(t.idle.simS).toBeCloseTo(0.002, 12);
    expect(t.idle.gpuS).toBe(0);
  });

  it('names a preemption that shrinks a batch before any event moves', () => {
    const reqs = (p: number): ReqSpec[] => [r0, { arrivalS: 0, admitted: 0, firstToken: 0, finish: 4, preemptions: p }];
    const iters = (batch2: number): IterSpec[] => [[0.01, 2, 200, 0], [0.005, 2, 0, 2], [0.005, batch2, 0, batch2], [0.005, 2, 0, 2], [0.005, 2, 0, 2]];
    const d = firstDivergence(schedule(iters(2), reqs(0)), schedule(iters(1), reqs(1)));
    expect(d.iteration).toBe(2);
    expect(d.request).toMatchObject({ index: 1, decision: 'preempted', simPreemptions: 0, gpuPreemptions: 1 });
    expect(d.requestsWithOtherPreemptions).toBe(1);
  });

  it('names a first token in another iteration (same admission), and a request only one replay served', () => {
    const sim = schedule([[0.01, 1, 100, 0], [0.005, 1, 0, 1], [0.005, 1, 0, 1]], [{ arrivalS: 0, admitted: 0, firstToken: 0, finish: 2 }]);
    const gpu = schedule([[0.01, 1, 60, 0], [0.005, 1, 40, 0], [0.005, 1, 0, 1]], [{ arrivalS: 0, admitted: 0, firstToken: 1, finish: 2 }]);
    expect(firstDivergence(sim, gpu).request).toMatchObject({ decision: 'first-token', simIteration: 0, gpuIteration: 1 });
    const dropped = schedule([[0.01, 1, 100, 0], [0.005, 1, 0, 1], [0.005, 1, 0, 1]], [{ arrivalS: 0, admitted: 0, firstToken: 0, finish: 2 }, { arrivalS: 0, admitted: -1, firstToken: -1, finish: -1 }]);
    const served = schedule([[0.01, 2, 150, 0], [0.005, 2, 0, 2], [0.005, 2, 0, 2]], [{ arrivalS: 0, admitted: 0, firstToken: 0, finish: 2 }, { arrivalS: 0, admitted: 0, firstToken: 0, finish: 2 }]);
    expect(firstDivergence(dropped, served).request).toMatchObject({ index: 1, decision: 'dropped', simIteration: null, gpuIteration: 0 });
  });

  it('reports the end of the shorter run as its start when one replay ran more iterations', () => {
    const reqs: ReqSpec[] = [{ arrivalS: 0, admitted: 0, firstToken: 0, finish: 1 }];
    const d = firstDivergence(schedule([[0.01, 1, 100, 0], [0.005, 1, 0, 1]], reqs), schedule([[0.01, 1, 100, 0], [0.005, 1, 0, 1], [0.005, 1, 0, 1]], [{ ...reqs[0], finish: 2 }]));
    expect(d.iteration).toBe(2);
    expect(d.sim).toBeNull();
    expect(d.simStartS).toBeCloseTo(0.015, 12);
    expect(d.request).toMatchObject({ decision: 'finished', simIteration: 1, gpuIteration: 2 });
  });

  it('refuses runs of different traces or downsampled iterations, saying which', () => {
    const a = schedule([[0.01, 1, 100, 0]], [{ arrivalS: 0, admitted: 0, firstToken: 0, finish: 0 }]);
    const b = schedule([[0.01, 1, 100, 0]], [{ arrivalS: 1, admitted: 0, firstToken: 0, finish: 0 }]);
    expect(() => firstDivergence(a, b)).toThrow(/request 0 arrives at 0 s in the simulator run but 1 s in the GPU run/);
    expect(() => firstDivergence(a, schedule([[0.01, 1, 100, 0]], []))).toThrow(/simulator run has 1 requests but the GPU run 0/);
    expect(() => firstDivergence({ ...a, iterations: { ...a.iterations, stride: 4 } }, a)).toThrow(/simulator run's iterations are downsampled \(stride 4\)/);
  });

  it('property: a schedule agrees with itself at other speeds, and diverges exactly where one iteration is changed', () => {
    const iterArb = fc.tuple(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 8 }));
    fc.assert(
      fc.property(fc.array(iterArb, { minLength: 1, maxLength: 40 }), fc.nat(), fc.double({ min: 0.5, max: 2, noNaN: true }), (raw, at, speed) => {
        const iters: IterSpec[] = raw.map(([ms, b, p, dd]) => [ms * 1e-3, b, p * 64, dd]);
        const reqs: ReqSpec[] = [{ arrivalS: 0, admitted: 0, firstToken: 0, finish: iters.length - 1 }];
        const a = schedule(iters, reqs);
        expect(firstDivergence(a, schedule(iters.map(([t, ...r]) => [t * speed, ...r] as IterSpec), reqs)).iteration).toBeNull();
        const k = at % iters.length;
        const changed = iters.map((it, i) => (i === k ? ([it[0], it[1] + 1, it[2], it[3]] as IterSpec) : it));
        const d = firstDivergence(a, schedule(changed, reqs));
        expect(d.iteration).toBe(k);
        expect(d.clockLeadS).toBeCloseTo(0, 12);
      }),
      { seed: 2126, numRuns: 100 },
    );
  });
});

describe('latencyParts', () => {
  it('splits request latency into wait, prefill and decode, whose mean differences add up to TTFT and E2E', () => {
    const sim = schedule([[0.01, 1, 100, 0, 0.001], [0.005, 1, 0, 1], [0.005, 1, 0, 1]], [{ arrivalS: 0, admitted: 0, firstToken: 0, finish: 2 }]);
    const gpu = schedule([[0.008, 1, 100, 0], [0.004, 1, 0, 1], [0.004, 1, 0, 1]], [{ arrivalS: 0, admitted: 0, firstToken: 0, finish: 2 }]);
    const p = latencyParts(sim, gpu);
    expect(p.requests).toBe(1);
    expect(p.waitS.diffMeanS).toBeCloseTo(0.001, 12);
    expect(p.prefillS.diffMeanS).toBeCloseTo(0.002, 12);
    expect(p.decodeS.diffMeanS).toBeCloseTo(0.002, 12);
    const e2e = (c: typeof sim) => c.requests.finishS[0] - c.requests.arrivalS[0];
    expect(p.waitS.diffMeanS + p.prefillS.diffMeanS + p.decodeS.diffMeanS).toBeCloseTo(e2e(sim) - e2e(gpu), 12);
  });
});
