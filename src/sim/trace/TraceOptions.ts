import { checkInt, checkNumber, expected, InvalidOptionError } from '../../errors.js';
import type { ArrivalSpec } from './ArrivalSpec.js';
import { checkPositive } from './checkPositive.js';
import { TRACE_FORMATS, type TraceFormat } from './TraceFormat.js';

/**
 * How to read a trace and what to do to it. Transformations apply in this order:
 * 1. read (skipping invalid rows with `skipInvalid`); arrivals become seconds since the first row;
 * 2. length-only traces get arrivals from `arrival`;
 * 3. `windowStartS`/`windowEndS` keep requests arriving in [start, end);
 * 4. `first` keeps the first N of those;
 * 5. `sampleN` keeps a seeded uniform random sample of N (arrival order kept);
 * 6. arrivals are shifted so the first kept request arrives at 0;
 * 7. `timeScale` or `targetRatePerS` rescales arrival times;
 * 8. `maxContextTokens` clips prompt + output;
 * 9. ids are renumbered 0, 1, 2, ...
 */
export interface TraceOptions {
  /**
   * File format; `auto` reads it from the header (gzip is always detected from the magic bytes).
   * @defaultValue 'auto'
   */
  format?: TraceFormat | 'auto';
  /**
   * Skip malformed rows instead of failing on the first; the source's `skipped` report says how
   * many and why.
   * @defaultValue false
   */
  skipInvalid?: boolean;
  /**
   * Multiplies every arrival time: 2 stretches the trace to half its request rate, 0.5 doubles it.
   * Exclusive with `targetRatePerS`.
   * @defaultValue 1
   */
  timeScale?: number;
  /**
   * Rescales arrival times so the mean rate, (count - 1) / (last arrival - first arrival), is exactly
   * this many requests per second. Also the rate of the arrival process of synthetic and length-only
   * traces whose arrival spec names none.
   * @defaultValue undefined (keep the trace's own rate)
   */
  targetRatePerS?: number;
  /**
   * Clips every request to at most this many tokens of prompt + output (a model's context limit):
   * the output is shortened first; a prompt that alone reaches the limit keeps limit - 1 tokens and
   * generates one.
   * @defaultValue undefined (no clipping)
   */
  maxContextTokens?: number;
  /**
   * Keep only the first N requests (after the time window).
   * @defaultValue undefined (all)
   */
  first?: number;
  /**
   * Keep a uniform random sample of N requests (seeded by `seed`; arrival order kept).
   * @defaultValue undefined (all)
   */
  sampleN?: number;
  /**
   * Keep requests arriving at or after this many seconds since the trace's first request.
   * @defaultValue 0
   */
  windowStartS?: number;
  /**
   * Keep requests arriving before this many seconds since the trace's first request.
   * @defaultValue Infinity
   */
  windowEndS?: number;
  /**
   * Seed of every random choice: `sampleN`, generated arrivals, synthetic lengths.
   * @defaultValue the synthetic preset's seed, else DEFAULT_SEED (42)
   */
  seed?: number;
  /**
   * Arrival process for traces that carry only lengths (Vidur length-only CSV) and for synthetic
   * traces (overrides the preset's).
   * @defaultValue Poisson at `targetRatePerS` (length-only traces), the preset's process (synthetic)
   */
  arrival?: ArrivalSpec;
  /**
   * Requests a synthetic trace generates.
   * @defaultValue the preset's count
   */
  count?: number;
}

/** TraceOptions with every default filled in (`undefined` where the default is "not applied"). */
export interface ResolvedTraceOptions {
  format: TraceFormat | 'auto';
  skipInvalid: boolean;
  timeScale: number;
  targetRatePerS: number | undefined;
  maxContextTokens: number | undefined;
  first: number | undefined;
  sampleN: number | undefined;
  windowStartS: number;
  windowEndS: number;
  /** undefined: the synthetic preset's seed, else DEFAULT_SEED. */
  seed: number | undefined;
  arrival: ArrivalSpec | undefined;
  count: number | undefined;
}

/** Seed used when neither the options nor a synthetic spec names one. */
export const DEFAULT_SEED = 42;

/** Validates options and fills the defaults; messages start with the option's name. */
export function resolveTraceOptions(options: TraceOptions = {}): ResolvedTraceOptions {
  if (typeof options !== 'object' || options === null) throw expected('an options object', 'trace options', options);
  const format = options.format ?? 'auto';
  if (format !== 'auto' && !TRACE_FORMATS.includes(format)) throw expected(`one of auto, ${TRACE_FORMATS.join(', ')}`, 'format', format);
  const timeScale = options.timeScale ?? 1;
  checkPositive('timeScale', timeScale);
  if (options.timeScale !== undefined && options.timeScale !== 1 && options.targetRatePerS !== undefined) {
    throw new InvalidOptionError('timeScale and targetRatePerS both rescale arrivals: give one of them');
  }
  const windowStartS = options.windowStartS ?? 0;
  const windowEndS = options.windowEndS ?? Infinity;
  checkNumber('windowStartS', windowStartS, 0);
  if (typeof windowEndS !== 'number' || Number.isNaN(windowEndS) || windowEndS <= windowStartS) {
    throw expected(`a number above windowStartS (${windowStartS})`, 'windowEndS', windowEndS);
  }
  const optionalInt = (name: string, v: number | undefined, min: number) => (v === undefined ? undefined : checkInt(name, v, min));
  const optionalNum = (name: string, v: number | undefined) => (v === undefined ? undefined : checkPositive(name, v));
  return {
    format,
    skipInvalid: options.skipInvalid ?? false,
    timeScale,
    targetRatePerS: optionalNum('targetRatePerS', options.targetRatePerS),
    maxContextTokens: optionalInt('maxContextTokens', options.maxContextTokens, 2),
    first: optionalInt('first', options.first, 1),
    sampleN: optionalInt('sampleN', options.sampleN, 1),
    windowStartS,
    windowEndS,
    seed: optionalInt('seed', options.seed, 0),
    arrival: options.arrival,
    count: optionalInt('count', options.count, 1),
  };
}
