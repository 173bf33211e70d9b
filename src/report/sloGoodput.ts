import type { RunResult } from '../sim/metrics/RunResult.js';

/** A latency target per request, seconds. */
export interface Slo {
  /** Time to first token, queueing included. */
  ttftS: number;
  /** Mean time between tokens of the request: (finish - first token) / (output tokens - 1). */
  tbtS: number;
}

/**
 * Goodput (DistServe's term): requests per second of makespan that finished within both SLO targets,
 * and the fraction of all requests that did. Per-request TBT is the request's mean (per-token times
 * are not kept per request). Undefined when the run kept no per-request records.
 */
export function sloGoodput(run: RunResult, slo: Slo): { perS: number; fraction: number; met: number } | undefined {
  const r = run.requests;
  const n = r.arrivalS.length;
  if (n === 0 || !(run.summary.makespanS > 0)) return undefined;
  let met = 0;
  for (let i = 0; i < n; i++) {
    const a = r.arrivalS[i];
    const f = r.firstTokenS[i];
    const e = r.finishS[i];
    if (!isTime(a) || !isTime(f) || !isTime(e)) continue;
    if (f - a > slo.ttftS) continue;
    const out = r.outputTokens[i];
    if (out > 1 && (e - f) / (out - 1) > slo.tbtS) continue;
    met++;
  }
  return { perS: met / run.summary.makespanS, fraction: met / n, met };
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}
