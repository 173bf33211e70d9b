import type { ScheduleColumns } from '../../../src/sim/validation/firstDivergence.js';

/** One iteration of a hand-made schedule: [durationS, batchSize, prefillTokens, decodeTokens], optional idle before it. */
export type IterSpec = [number, number, number, number, number?];
/** One request: its arrival and the iterations of its events (-1: never, i.e. dropped). */
export interface ReqSpec {
  arrivalS: number;
  admitted: number;
  firstToken: number;
  finish: number;
  preemptions?: number;
}

/**
 * Run-file columns for a hand-made schedule: iteration i starts where i-1 ended (plus its idle);
 * a request is admitted at its admission iteration's start and emits at its iterations' ends, as the engine records them.
 */
export function schedule(iters: IterSpec[], reqs: ReqSpec[]): ScheduleColumns {
  const startS: number[] = [];
  let t = 0;
  for (const [d, , , , idle] of iters) {
    t += idle ?? 0;
    startS.push(t);
    t += d;
  }
  const end = (i: number) => (i < 0 ? Number.NaN : startS[i] + iters[i][0]);
  return {
    requests: {
      arrivalS: reqs.map((r) => r.arrivalS),
      admittedS: reqs.map((r) => (r.admitted < 0 ? Number.NaN : startS[r.admitted])),
      firstTokenS: reqs.map((r) => end(r.firstToken)),
      finishS: reqs.map((r) => end(r.finish)),
      preemptions: reqs.map((r) => r.preemptions ?? 0),
    },
    iterations: {
      stride: 1,
      startS,
      durationS: iters.map((i) => i[0]),
      batchSize: iters.map((i) => i[1]),
      prefillTokens: iters.map((i) => i[2]),
      decodeTokens: iters.map((i) => i[3]),
    },
  };
}
