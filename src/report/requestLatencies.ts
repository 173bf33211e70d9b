import type { RequestColumns } from '../sim/metrics/RunResult.js';

/** Per-request latencies in seconds; requests that did not finish are left out of each list. */
export interface RequestLatencies {
  ttftS: number[];
  /** Mean time between tokens of each request: (finish - first token) / (output tokens - 1). */
  meanTbtS: number[];
  e2eS: number[];
}

/** Derives per-request TTFT, mean TBT and E2E from the columnar request records. */
export function requestLatencies(requests: RequestColumns): RequestLatencies {
  const out: RequestLatencies = { ttftS: [], meanTbtS: [], e2eS: [] };
  const n = requests.arrivalS.length;
  for (let i = 0; i < n; i++) {
    const arrival = requests.arrivalS[i];
    const first = requests.firstTokenS[i];
    const finish = requests.finishS[i];
    // JSON has no NaN: an unfinished request may carry null or a negative sentinel.
    if (isTime(first) && isTime(arrival)) out.ttftS.push(first - arrival);
    if (isTime(finish) && isTime(arrival)) out.e2eS.push(finish - arrival);
    const outputs = requests.outputTokens[i];
    if (isTime(finish) && isTime(first) && outputs > 1) out.meanTbtS.push((finish - first) / (outputs - 1));
  }
  return out;
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}
