import { ITERATION_PHASES, iterationPhase, type IterationPhase } from './iterationPhase.js';
import { firstDivergence, type ReplayDivergence, type ScheduleColumns } from './firstDivergence.js';

/** One part of a request's latency, mean over the requests both replays completed, seconds. */
export interface LatencyPart {
  simMeanS: number;
  gpuMeanS: number;
  /** Mean of (sim - gpu) over the requests. */
  diffMeanS: number;
}

/**
 * Where request latency differs between the two replays, per request then averaged: waiting
 * (arrival to admission), prefill (admission to first token) and decode (first token to finish).
 * TTFT = wait + prefill and E2E = TTFT + decode, so the mean differences add up.
 */
export interface LatencyParts {
  requests: number;
  waitS: LatencyPart;
  prefillS: LatencyPart;
  decodeS: LatencyPart;
}

/** Busy time of each phase's iterations in each replay, and their idle time. */
export type TimeByPhase = Record<IterationPhase | 'idle', { simS: number; gpuS: number; simIterations: number; gpuIterations: number }>;

/** How two independent replays of one trace drift apart. */
export interface ReplayDrift {
  divergence: ReplayDivergence;
  latencyParts: LatencyParts;
  timeByPhase: TimeByPhase;
}

/** Compares the simulator's independent replay with the GPU's (same trace, scheduler and policy). */
export function replayDrift(sim: ScheduleColumns, gpu: ScheduleColumns): ReplayDrift {
  const divergence = firstDivergence(sim, gpu);
  return { divergence, latencyParts: latencyParts(sim, gpu), timeByPhase: timeByPhase(sim, gpu) };
}

export function latencyParts(sim: ScheduleColumns, gpu: ScheduleColumns): LatencyParts {
  const parts = (r: ScheduleColumns['requests'], i: number): [number, number, number] => [
    r.admittedS[i] - r.arrivalS[i],
    r.firstTokenS[i] - r.admittedS[i],
    r.finishS[i] - r.firstTokenS[i],
  ];
  const sums = { sim: [0, 0, 0], gpu: [0, 0, 0] };
  let n = 0;
  for (let i = 0; i < sim.requests.arrivalS.length; i++) {
    const s = parts(sim.requests, i);
    const g = parts(gpu.requests, i);
    if ([...s, ...g].some((x) => !Number.isFinite(x))) continue; // dropped in either replay
    n++;
    for (let j = 0; j < 3; j++) {
      sums.sim[j] += s[j];
      sums.gpu[j] += g[j];
    }
  }
  const part = (j: number): LatencyPart => {
    const simMeanS = n > 0 ? sums.sim[j] / n : Number.NaN;
    const gpuMeanS = n > 0 ? sums.gpu[j] / n : Number.NaN;
    return { simMeanS, gpuMeanS, diffMeanS: simMeanS - gpuMeanS };
  };
  return { requests: n, waitS: part(0), prefillS: part(1), decodeS: part(2) };
}

export function timeByPhase(sim: ScheduleColumns, gpu: ScheduleColumns): TimeByPhase {
  const out = Object.fromEntries([...ITERATION_PHASES, 'idle'].map((p) => [p, { simS: 0, gpuS: 0, simIterations: 0, gpuIterations: 0 }])) as TimeByPhase;
  for (const [side, r] of [['sim', sim], ['gpu', gpu]] as const) {
    const it = r.iterations;
    const n = it.startS.length;
    for (let i = 0; i < n; i++) {
      const o = out[iterationPhase(it.prefillTokens[i], it.decodeTokens[i])];
      o[`${side}S`] += it.durationS[i];
      o[`${side}Iterations`]++;
      // Gaps under a nanosecond are the rounding of start + duration, not waiting.
      const gap = i > 0 ? it.startS[i] - it.startS[i - 1] - it.durationS[i - 1] : 0;
      if (gap > 1e-9) out.idle[`${side}S`] += gap;
    }
  }
  return out;
}
