/**
 * The largest prompt or output length, in tokens, kvsim accepts from a trace file or a generator:
 * 10^9. Why this bound: the engine keeps per-request token counts in Int32Array columns
 * (RequestTable: prompt, output, and prompt + generated after a preemption); with each count at most
 * 10^9, even their sum (2 * 10^9) stays below 2^31 - 1 = 2,147,483,647, so nothing ever wraps. It
 * is ~100x the longest context any served model has, so no real trace comes near it. A larger count
 * in a trace is a file:line:field error naming this constant, never a silently wrapped value.
 */
export const MAX_TRACE_TOKENS = 1_000_000_000;

/**
 * Prefix block ids must stay below 2^33: prefix caching packs (id, block index < 2^20) into one safe
 * integer key (src/sim/memory/PrefixKeys.ts). Mooncake's ids are small counters; a trace of raw 64-bit
 * hashes needs remapping to dense ids first.
 */
export const MAX_PREFIX_ID = 2 ** 33;

/** What a token count must be, as error messages say it. */
export const TOKEN_COUNT_EXPECTED = 'expected a positive integer';

/** The error text for a well-formed count above MAX_TRACE_TOKENS. */
export const TOKEN_COUNT_TOO_LARGE = `expected at most ${MAX_TRACE_TOKENS} tokens (MAX_TRACE_TOKENS, so prompt + output fits 32-bit counters)`;

/**
 * Why a token count read from a trace is not acceptable, or null when it is. `value` is what the
 * parser produced: NaN for text that is not a positive integer.
 */
export function tokenCountProblem(value: number): string | null {
  if (value >= 1 && value <= MAX_TRACE_TOKENS && Number.isInteger(value)) return null;
  // Infinity (a 400-digit count, JSON 1e999) is too large too, not "not an integer".
  return value > MAX_TRACE_TOKENS && (Number.isInteger(value) || value === Infinity) ? TOKEN_COUNT_TOO_LARGE : TOKEN_COUNT_EXPECTED;
}
