import type { IterationColumns, RequestColumns } from '../metrics/RunResult.js';
import { iterationPhase, type IterationPhase } from './iterationPhase.js';

/** What a replay's run file must hold for its schedule to be compared: request and iteration columns. */
export interface ScheduleColumns {
  requests: Pick<RequestColumns, 'arrivalS' | 'admittedS' | 'firstTokenS' | 'finishS' | 'preemptions'>;
  iterations: Pick<IterationColumns, 'stride' | 'startS' | 'durationS' | 'batchSize' | 'prefillTokens' | 'decodeTokens'>;
}

/**
 * The decision that first differed between the two replays, for one request:
 * - `admitted`: admitted (first time) in a different iteration;
 * - `first-token`: same admission, first token in a different iteration (prefill chunked or cached differently);
 * - `finished`: finished in a different iteration;
 * - `preempted`: preempted a different number of times (and its events moved);
 * - `dropped`: served by one replay only.
 */
export type DivergenceDecision = 'admitted' | 'first-token' | 'finished' | 'preempted' | 'dropped';

/** One iteration's shape as both replays planned it. */
export interface IterationShape {
  batchSize: number;
  prefillTokens: number;
  decodeTokens: number;
}

export interface DivergentRequest {
  /** Index of the request in the trace (the run files' request columns). */
  index: number;
  arrivalS: number;
  decision: DivergenceDecision;
  /** Iteration of the differing event in each replay (null: never, e.g. dropped). */
  simIteration: number | null;
  gpuIteration: number | null;
  simPreemptions: number;
  gpuPreemptions: number;
  /**
   * For an admission: whether the request had arrived when the iteration in which the other replay
   * admitted it began, in each replay (false: it came too late for that iteration there — a timing
   * difference; true in both: it waited, a budget or memory decision).
   */
  arrivedBeforeSim?: boolean;
  arrivedBeforeGpu?: boolean;
}

/** Where and why the simulator's independent replay first stopped doing what the GPU's did. */
export interface ReplayDivergence {
  simIterations: number;
  gpuIterations: number;
  /** Index of the first iteration whose batch size, prefill or decode tokens differ; null when the schedules agree throughout. */
  iteration: number | null;
  /** Start of that iteration in each replay (a replay that had ended: its end), seconds. */
  simStartS: number | null;
  gpuStartS: number | null;
  /** simStartS - gpuStartS: the accumulated clock difference there (positive: the simulator runs late). */
  clockLeadS: number | null;
  /**
   * That lead by where it came from: sum of (sim - gpu) durations of the identical iterations before
   * it, per phase, and the difference in idle time (waiting for arrivals).
   */
  leadByPhaseS: Record<IterationPhase, number> & { idle: number };
  sim: IterationShape | null;
  gpu: IterationShape | null;
  /** The request whose decision differed first (null: the shapes differ but no request event tells why). */
  request: DivergentRequest | null;
  /** Requests admitted together with a different set of requests (their admission cohort differs) over the whole run. */
  requestsInOtherCohort: number;
  /** Requests preempted a different number of times over the whole run. */
  requestsWithOtherPreemptions: number;
  requests: number;
}

const EVENTS = ['admitted', 'first-token', 'finished'] as const;

/**
 * Compares two replays of the same trace iteration by iteration (by index: until they diverge,
 * iteration i of one is iteration i of the other) and finds the first iteration whose shape differs,
 * the request whose decision differed there, and the clock difference that led to it.
 */
export function firstDivergence(sim: ScheduleColumns, gpu: ScheduleColumns): ReplayDivergence {
  checkComparable(sim, gpu);
  const a = sim.iterations;
  const b = gpu.iterations;
  const na = a.startS.length;
  const nb = b.startS.length;
  let k = 0;
  const common = Math.min(na, nb);
  while (k < common && a.batchSize[k] === b.batchSize[k] && a.prefillTokens[k] === b.prefillTokens[k] && a.decodeTokens[k] === b.decodeTokens[k]) k++;
  const diverged = k < common || na !== nb;

  const lead: Record<IterationPhase, number> & { idle: number } = { prefillOnly: 0, mixed: 0, decodeOnly: 0, idle: 0 };
  let simBusy = 0;
  let gpuBusy = 0;
  for (let i = 0; i < k; i++) {
    lead[iterationPhase(a.prefillTokens[i], a.decodeTokens[i])] += a.durationS[i] - b.durationS[i];
    simBusy += a.durationS[i];
    gpuBusy += b.durationS[i];
  }
  const at = (c: ScheduleColumns['iterations'], n: number) => (k < n ? c.startS[k] : n > 0 ? c.startS[n - 1] + c.durationS[n - 1] : 0);
  const simStartS = diverged ? at(a, na) : null;
  const gpuStartS = diverged ? at(b, nb) : null;
  if (simStartS !== null && gpuStartS !== null) lead.idle = simStartS - gpuStartS - (simBusy - gpuBusy);
  const shape = (c: ScheduleColumns['iterations'], n: number): IterationShape | null =>
    diverged && k < n ? { batchSize: c.batchSize[k], prefillTokens: c.prefillTokens[k], decodeTokens: c.decodeTokens[k] } : null;

  return {
    simIterations: na,
    gpuIterations: nb,
    iteration: diverged ? k : null,
    simStartS,
    gpuStartS,
    clockLeadS: simStartS !== null && gpuStartS !== null ? simStartS - gpuStartS : null,
    leadByPhaseS: lead,
    sim: shape(a, na),
    gpu: shape(b, nb),
    request: diverged ? divergentRequest(sim, gpu, k) : null,
    requestsInOtherCohort: otherCohorts(sim.requests.admittedS, gpu.requests.admittedS),
    requestsWithOtherPreemptions: sim.requests.preemptions.filter((p, i) => p !== gpu.requests.preemptions[i]).length,
    requests: sim.requests.arrivalS.length,
  };
}

function checkComparable(sim: ScheduleColumns, gpu: ScheduleColumns): void {
  for (const [name, r] of [['simulator', sim], ['GPU', gpu]] as const) {
    if (r.iterations.stride !== 1) throw new RangeError(`firstDivergence: the ${name} run's iterations are downsampled (stride ${r.iterations.stride}); the schedules can be compared only at stride 1`);
  }
  const sa = sim.requests.arrivalS;
  const ga = gpu.requests.arrivalS;
  if (sa.length !== ga.length) throw new RangeError(`firstDivergence: the simulator run has ${sa.length} requests but the GPU run ${ga.length}: not replays of one trace`);
  for (let i = 0; i < sa.length; i++) {
    if (Math.abs(sa[i] - ga[i]) > 1e-9 * Math.max(1, Math.abs(ga[i]))) throw new RangeError(`firstDivergence: request ${i} arrives at ${sa[i]} s in the simulator run but ${ga[i]} s in the GPU run: not replays of one trace`);
  }
}

/** Index of the iteration that starts at `t` (admissions happen at an iteration's start); Infinity for NaN. */
function iterationStartingAt(startS: ArrayLike<number>, t: number): number {
  if (Number.isNaN(t)) return Number.POSITIVE_INFINITY;
  return lowerBound(startS, t - 1e-9);
}

/** Index of the iteration that ends at `t` (tokens are emitted at an iteration's end); Infinity for NaN. */
function iterationEndingAt(startS: ArrayLike<number>, t: number): number {
  if (Number.isNaN(t)) return Number.POSITIVE_INFINITY;
  return lowerBound(startS, t - 1e-9) - 1;
}

/** First index i with xs[i] >= x (xs ascending). */
function lowerBound(xs: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function eventIterations(r: ScheduleColumns, i: number): [number, number, number] {
  const s = r.iterations.startS;
  const q = r.requests;
  return [iterationStartingAt(s, q.admittedS[i]), iterationEndingAt(s, q.firstTokenS[i]), iterationEndingAt(s, q.finishS[i])];
}

/**
 * The request whose event moved first: the smallest iteration at which some request's admission,
 * first token or finish happens in one replay but not the other (ties: admission before first token
 * before finish, then the earlier request). A request preempted a different number of times is
 * reported as `preempted`; one that only one replay served as `dropped`. When no event moves at the
 * divergent iteration (a preemption shrinks a batch before any event moves), the earliest-admitted
 * request that was running there in both replays and whose preemptions differ is named.
 */
function divergentRequest(sim: ScheduleColumns, gpu: ScheduleColumns, k: number): DivergentRequest | null {
  const n = sim.requests.arrivalS.length;
  let best: { at: number; event: number; index: number; s: number; g: number } | undefined;
  for (let i = 0; i < n; i++) {
    const s = eventIterations(sim, i);
    const g = eventIterations(gpu, i);
    for (let e = 0; e < EVENTS.length; e++) {
      if (s[e] === g[e]) continue;
      const at = Math.min(s[e], g[e]);
      if (!best || at < best.at || (at === best.at && e < best.event)) best = { at, event: e, index: i, s: s[e], g: g[e] };
      break;
    }
  }
  const sp = sim.requests.preemptions;
  const gp = gpu.requests.preemptions;
  if (!best || best.at > k) {
    for (let i = 0; i < n; i++) {
      if (sp[i] === gp[i]) continue;
      const s = eventIterations(sim, i);
      const g = eventIterations(gpu, i);
      if (s[0] <= k && g[0] <= k && s[2] >= k && g[2] >= k) {
        return { index: i, arrivalS: sim.requests.arrivalS[i], decision: 'preempted', simIteration: null, gpuIteration: null, simPreemptions: sp[i], gpuPreemptions: gp[i] };
      }
    }
    if (!best) return null;
  }
  const i = best.index;
  const fin = (x: number) => (Number.isFinite(x) ? x : null);
  const dropped = !Number.isFinite(best.s) || !Number.isFinite(best.g);
  const decision: DivergenceDecision = dropped ? 'dropped' : sp[i] !== gp[i] ? 'preempted' : EVENTS[best.event];
  const out: DivergentRequest = { index: i, arrivalS: sim.requests.arrivalS[i], decision, simIteration: fin(best.s), gpuIteration: fin(best.g), simPreemptions: sp[i], gpuPreemptions: gp[i] };
  if (best.event === 0 && !dropped) {
    // Was it there when the iteration that admitted it in the other replay began?
    const j = best.at;
    const arrival = out.arrivalS;
    const startOr = (c: ScheduleColumns['iterations'], idx: number) => (idx < c.startS.length ? c.startS[idx] : Number.POSITIVE_INFINITY);
    out.arrivedBeforeSim = arrival <= startOr(sim.iterations, j);
    out.arrivedBeforeGpu = arrival <= startOr(gpu.iterations, j);
  }
  return out;
}

/** Requests whose admission cohort (requests first admitted at the same instant) differs between the replays. */
function otherCohorts(simAdmittedS: ArrayLike<number>, gpuAdmittedS: ArrayLike<number>): number {
  const key = (t: ArrayLike<number>): string[] => {
    const groups = new Map<number, number[]>();
    for (let i = 0; i < t.length; i++) {
      if (Number.isNaN(t[i])) continue;
      const g = groups.get(t[i]);
      if (g) g.push(i);
      else groups.set(t[i], [i]);
    }
    const out = Array.from({ length: t.length }, () => '');
    for (const g of groups.values()) {
      const k = g.join(',');
      for (const i of g) out[i] = k;
    }
    return out;
  };
  const s = key(simAdmittedS);
  const g = key(gpuAdmittedS);
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s[i] !== g[i]) n++;
  return n;
}

