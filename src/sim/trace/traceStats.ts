import { quantileSorted } from '../stats/quantile.js';
import { PrefixSharingCounter, type PrefixSharingStats } from './PrefixSharingCounter.js';
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
  /** Prefix sharing, when the trace carries prefix block ids (Mooncake, kvsim JSONL, synthetic prefix presets). */
  prefixSharing?: PrefixSharingStats;
  /** Rows skipped by `skipInvalid`, when any. */
  skippedRows?: number;
  skippedReasons?: string[];
}

/**
 * Summarizes a trace in one streaming pass. Lengths are kept in Float64Arrays (8 bytes per request
 * per column) to sort for exact percentiles: float64, not Int32, so no count a caller hands in can
 * wrap (readers refuse counts above MAX_TRACE_TOKENS, but a library caller's TraceSource is not a
 * reader). Requests themselves are not kept; prefix block ids cost one map entry per distinct id.
 */
export async function traceStats(source: TraceSource): Promise<TraceStats> {
  let prompt = new Float64Array(1 << 14);
  let output = new Float64Array(1 << 14);
  const sharing = new PrefixSharingCounter();
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
      sharing.add(r);
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
  const prefixSharing = sharing.result();
  if (prefixSharing !== undefined) stats.prefixSharing = prefixSharing;
  if (source.skipped && source.skipped.count > 0) {
    stats.skippedRows = source.skipped.count;
    stats.skippedReasons = [...source.skipped.reasons];
  }
  return stats;
}

function grow(a: Float64Array, size: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(size);
  b.set(a);
  return b;
}

/** Percentiles by linear interpolation between closest ranks (numpy's default); the sum is float64. */
export function lengthStats(values: Int32Array | Float64Array): LengthStats {
  const n = values.length;
  if (n === 0) return { p50: 0, p90: 0, p99: 0, mean: 0, min: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return {
    p50: quantileSorted(sorted, 0.5, 'linear'),
    p90: quantileSorted(sorted, 0.9, 'linear'),
    p99: quantileSorted(sorted, 0.99, 'linear'),
    mean: sum / n,
    min: sorted[0],
    max: sorted[n - 1],
  };
}

