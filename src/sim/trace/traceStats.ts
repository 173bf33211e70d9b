import type { TraceSource } from './TraceSource.js';

/** Distribution of one length column. */
export interface LengthStats {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/** What `kvsim trace stats` prints. */
export interface TraceStats {
  name: string;
  requests: number;
  /** Last arrival minus first arrival, seconds. */
  durationS: number;
  /** Mean arrival rate, (requests - 1) / durationS; 0 when undefined (one request, or all at once). */
  ratePerS: number;
  promptTokens: LengthStats;
  outputTokens: LengthStats;
  /** Rows skipped by `skipInvalid`, when any. */
  skippedRows?: number;
  skippedReasons?: string[];
}

/**
 * Summarizes a trace in one streaming pass. Lengths are kept in typed arrays (4 bytes per request
 * per column) to sort for exact percentiles; requests themselves are not kept.
 */
export async function traceStats(source: TraceSource): Promise<TraceStats> {
  let prompt = new Int32Array(1 << 14);
  let output = new Int32Array(1 << 14);
  let n = 0;
  let firstS = NaN;
  let lastS = NaN;
  for await (const chunk of source.chunks()) {
    if (n + chunk.length > prompt.length) {
      const size = Math.max(prompt.length * 2, n + chunk.length);
      prompt = grow(prompt, size);
      output = grow(output, size);
    }
    for (let i = 0; i < chunk.length; i++) {
      const r = chunk[i];
      if (Number.isNaN(firstS)) firstS = r.arrivalS;
      lastS = r.arrivalS;
      prompt[n] = r.promptTokens;
      output[n] = r.outputTokens;
      n++;
    }
  }
  const durationS = n > 0 ? lastS - firstS : 0;
  const stats: TraceStats = {
    name: source.name,
    requests: n,
    durationS,
    ratePerS: n > 1 && durationS > 0 ? (n - 1) / durationS : 0,
    promptTokens: lengthStats(prompt.subarray(0, n)),
    outputTokens: lengthStats(output.subarray(0, n)),
  };
  if (source.skipped && source.skipped.count > 0) {
    stats.skippedRows = source.skipped.count;
    stats.skippedReasons = [...source.skipped.reasons];
  }
  return stats;
}

function grow(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/** Percentiles by linear interpolation between closest ranks (numpy's default). */
export function lengthStats(values: Int32Array): LengthStats {
  const n = values.length;
  if (n === 0) return { p50: 0, p90: 0, p99: 0, mean: 0, min: 0, max: 0 };
  const sorted = Int32Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    mean: sum / n,
    min: sorted[0],
    max: sorted[n - 1],
  };
}

export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
