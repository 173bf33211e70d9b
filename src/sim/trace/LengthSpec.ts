import { checkInt, checkNumber, expected, InvalidOptionError } from '../../errors.js';
import { fitLognormal, lognormalQuantile } from './fitLognormal.js';
import { checkSpecKeys, parseSpecString, specNumber } from './parseSpecString.js';
import { createRng } from './rng.js';
import { MAX_TRACE_TOKENS } from './tokenLimits.js';

/** How many tokens a synthetic prompt or output has. Every sampler returns integers in [1, MAX_TRACE_TOKENS]. */
export type LengthSpec =
  | { kind: 'fixed'; tokens: number }
  /** Uniform over the integers min..max inclusive. */
  | { kind: 'uniform'; min: number; max: number }
  /**
   * Lognormal fitted to a median and a 90th percentile (how traces publish their lengths), optionally
   * truncated at `max`; the fit accounts for the truncation so median and p90 still land.
   */
  | { kind: 'lognormal'; median: number; p90: number; max?: number }
  /** Zipf over min..max: P(v) proportional to (v - min + 1)^-s. Short lengths dominate. */
  | { kind: 'zipf'; min: number; max: number; s: number }
  /** Drawn with replacement from another trace's prompt (or output) lengths. */
  | { kind: 'trace'; source: string };

export const LENGTH_KINDS = ['fixed', 'uniform', 'lognormal', 'zipf', 'trace'] as const;

/** Largest zipf support: its CDF table is 8 bytes per value. */
const MAX_ZIPF_VALUES = 1 << 24;

/**
 * Parses the CLI form: `fixed:512`, `uniform:min=16,max=2048`, `lognormal:median=1020,p90=2734[,max=14050]`,
 * `zipf:min=1,max=4096,s=1.1`, `trace:FILE_OR_NAME`.
 */
export function parseLengthSpec(text: string, optionName: string): LengthSpec {
  const spec = parseSpecString(text, optionName);
  const need = (key: string): number => {
    const v = specNumber(spec, key, optionName);
    if (v === undefined) throw new InvalidOptionError(`${optionName}: ${spec.kind} needs ${key}=... (got ${JSON.stringify(text)})`);
    return v;
  };
  let result: LengthSpec;
  switch (spec.kind) {
    case 'trace':
      if (!spec.positional) throw expected('trace:FILE_OR_NAME', optionName, text);
      return { kind: 'trace', source: spec.positional };
    case 'fixed': {
      checkSpecKeys(spec, ['tokens'], optionName);
      let tokens: number;
      if (spec.positional === undefined) tokens = need('tokens');
      else {
        tokens = Number(spec.positional);
        if (spec.positional === '' || !Number.isFinite(tokens)) throw expected('fixed:N with N an integer >= 1', optionName, text);
      }
      result = { kind: 'fixed', tokens };
      break;
    }
    case 'uniform':
      checkSpecKeys(spec, ['min', 'max'], optionName);
      result = { kind: 'uniform', min: need('min'), max: need('max') };
      break;
    case 'lognormal': {
      checkSpecKeys(spec, ['median', 'p90', 'max'], optionName);
      const max = specNumber(spec, 'max', optionName);
      result = { kind: 'lognormal', median: need('median'), p90: need('p90'), ...(max === undefined ? {} : { max }) };
      break;
    }
    case 'zipf':
      checkSpecKeys(spec, ['min', 'max', 's'], optionName);
      result = { kind: 'zipf', min: need('min'), max: need('max'), s: need('s') };
      break;
    default:
      throw expected(`one of ${LENGTH_KINDS.join(', ')}`, optionName, text);
  }
  if (spec.kind !== 'fixed' && spec.positional !== undefined) throw expected(`key=value parameters after ${spec.kind}:`, optionName, text);
  createLengthSampler(result, 0, optionName); // validates the values now, with the option's name
  return result;
}

export function formatLengthSpec(spec: LengthSpec): string {
  switch (spec.kind) {
    case 'fixed':
      return `fixed:${spec.tokens}`;
    case 'uniform':
      return `uniform:min=${spec.min},max=${spec.max}`;
    case 'lognormal':
      return `lognormal:median=${spec.median},p90=${spec.p90}${spec.max === undefined ? '' : `,max=${spec.max}`}`;
    case 'zipf':
      return `zipf:min=${spec.min},max=${spec.max},s=${spec.s}`;
    case 'trace':
      return `trace:${spec.source}`;
  }
}

/**
 * Returns a function drawing lengths. `stream` names the random stream (`prompt`, `output`) so the
 * two columns draw independently; `resampleFrom` holds the lengths of a `trace` spec.
 */
export function createLengthSampler(spec: LengthSpec, seed: number, stream: string, resampleFrom?: Int32Array): () => number {
  const rng = createRng(seed, stream);
  const name = `${stream} length`;
  switch (spec.kind) {
    case 'fixed': {
      const tokens = checkInt(`${name} tokens`, spec.tokens, 1, MAX_TRACE_TOKENS);
      return () => tokens;
    }
    case 'uniform': {
      const min = checkInt(`${name} min`, spec.min, 1, MAX_TRACE_TOKENS);
      const max = checkInt(`${name} max`, spec.max, min, MAX_TRACE_TOKENS);
      const span = max - min + 1;
      return () => min + Math.floor(rng() * span);
    }
    case 'lognormal': {
      checkNumber(`${name} median`, spec.median, 1);
      checkNumber(`${name} p90`, spec.p90, spec.median);
      if (spec.max !== undefined) checkNumber(`${name} max`, spec.max, spec.p90, MAX_TRACE_TOKENS);
      const params = fitLognormal(spec.median, spec.p90, spec.max ?? Infinity);
      // Without a max, the far tail is still cut at MAX_TRACE_TOKENS (the engine's 32-bit counters).
      const max = spec.max === undefined ? MAX_TRACE_TOKENS : Math.floor(spec.max);
      // Inverse-CDF sampling: one uniform per draw, and truncation costs no rejections.
      return () => Math.min(max, Math.max(1, Math.round(lognormalQuantile(params, rng()))));
    }
    case 'zipf': {
      const min = checkInt(`${name} min`, spec.min, 1, MAX_TRACE_TOKENS);
      const max = checkInt(`${name} max`, spec.max, min, Math.min(min + MAX_ZIPF_VALUES - 1, MAX_TRACE_TOKENS));
      const s = checkNumber(`${name} s`, spec.s, 0, 20);
      const cdf = new Float64Array(max - min + 1);
      let sum = 0;
      for (let i = 0; i < cdf.length; i++) {
        sum += Math.pow(i + 1, -s);
        cdf[i] = sum;
      }
      return () => {
        const u = rng() * sum;
        let lo = 0;
        let hi = cdf.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (cdf[mid] > u) hi = mid;
          else lo = mid + 1;
        }
        return min + lo;
      };
    }
    case 'trace': {
      if (!resampleFrom || resampleFrom.length === 0) throw new Error('createLengthSampler: the caller must load the lengths of a trace spec');
      const values = resampleFrom;
      return () => values[Math.floor(rng() * values.length)];
    }
  }
}
