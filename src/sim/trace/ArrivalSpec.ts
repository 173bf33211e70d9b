import { checkNumber, expected } from '../../errors.js';
import { checkPositive } from './checkPositive.js';
import { checkSpecKeys, parseSpecString, specNumber } from './parseSpecString.js';
import { createRng, exponential, gamma, type Rng } from './rng.js';

/**
 * How requests arrive in a synthetic or length-only trace. A missing `ratePerS` falls back to the
 * trace options' `targetRatePerS`, then to the synthetic preset's rate.
 */
export type ArrivalSpec =
  /** Exponential gaps (a Poisson process): independent users. */
  | { kind: 'poisson'; ratePerS?: number }
  /** Gamma gaps with coefficient of variation `cv`: cv > 1 is burstier than Poisson, cv < 1 smoother. */
  | { kind: 'gamma'; ratePerS?: number; cv: number }
  /** Evenly spaced arrivals. */
  | { kind: 'constant'; ratePerS?: number }
  /** The arrival times of another trace (registry name, synthetic spec or path), in order. */
  | { kind: 'trace'; source: string };

export const ARRIVAL_KINDS = ['poisson', 'gamma', 'constant', 'trace'] as const;

/**
 * Parses the CLI form: `poisson`, `poisson:rate=5`, `gamma:cv=2[,rate=5]`, `constant:rate=5`,
 * `trace:FILE_OR_NAME`.
 */
export function parseArrivalSpec(text: string, optionName = '--arrival'): ArrivalSpec {
  const spec = parseSpecString(text, optionName);
  if (spec.kind === 'trace') {
    if (!spec.positional) throw expected('trace:FILE_OR_NAME', optionName, text);
    return { kind: 'trace', source: spec.positional };
  }
  if (spec.positional !== undefined) throw expected(`key=value parameters after ${spec.kind}:`, optionName, text);
  const ratePerS = specNumber(spec, 'rate', optionName);
  switch (spec.kind) {
    case 'poisson':
    case 'constant':
      checkSpecKeys(spec, ['rate'], optionName);
      return { kind: spec.kind, ratePerS };
    case 'gamma': {
      checkSpecKeys(spec, ['rate', 'cv'], optionName);
      const cv = specNumber(spec, 'cv', optionName);
      if (cv === undefined) throw expected('gamma:cv=CV[,rate=R]', optionName, text);
      return { kind: 'gamma', ratePerS, cv };
    }
    default:
      throw expected(`one of ${ARRIVAL_KINDS.join(', ')}`, optionName, text);
  }
}

/** Writes a spec back in its CLI form (for names and reports). */
export function formatArrivalSpec(spec: ArrivalSpec): string {
  switch (spec.kind) {
    case 'trace':
      return `trace:${spec.source}`;
    case 'gamma':
      return `gamma:cv=${spec.cv}${spec.ratePerS === undefined ? '' : `,rate=${spec.ratePerS}`}`;
    default:
      return spec.ratePerS === undefined ? spec.kind : `${spec.kind}:rate=${spec.ratePerS}`;
  }
}

/**
 * Returns a function yielding successive arrival times, the first at 0. `replayS` holds the arrivals
 * of a `trace` spec (loaded by the caller); running past its end is an error the caller reports.
 */
export function createArrivalSampler(spec: ArrivalSpec, seed: number, fallbackRatePerS: number | undefined, replayS?: Float64Array): () => number {
  if (spec.kind === 'trace') {
    if (!replayS) throw new Error('createArrivalSampler: the caller must load the arrivals of a trace spec');
    let i = 0;
    return () => (i < replayS.length ? replayS[i++] : NaN);
  }
  const rate = spec.ratePerS ?? fallbackRatePerS;
  if (rate === undefined) throw expected('a rate (rate=R in the arrival spec, or a target rate)', 'arrival', spec);
  checkPositive('arrival rate (requests/s)', rate);
  const rng: Rng = createRng(seed, 'arrival');
  let t = 0;
  let first = true;
  let gap: () => number;
  switch (spec.kind) {
    case 'poisson':
      gap = () => exponential(rng) / rate;
      break;
    case 'constant':
      gap = () => 1 / rate;
      break;
    case 'gamma': {
      const cv = checkPositive('arrival cv', spec.cv);
      if (cv > 100) throw expected('a cv of at most 100', 'arrival cv', cv);
      // Gamma with shape k has cv = 1/sqrt(k); scale 1/(k*rate) keeps the mean gap 1/rate.
      const shape = 1 / (cv * cv);
      gap = () => gamma(rng, shape) / (shape * rate);
      break;
    }
  }
  return () => {
    if (first) {
      first = false;
      return 0;
    }
    t += gap();
    return t;
  };
}
