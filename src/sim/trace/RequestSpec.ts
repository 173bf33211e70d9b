/**
 * One request of a trace: what arrives, when, how long its prompt is and how many tokens it generates.
 * `id` is the request's 0-based index in its trace (no global counters: two traces never interfere).
 */
export interface RequestSpec {
  id: number;
  /** Seconds since the trace's first request (the first request arrives at 0 unless shifted). */
  arrivalS: number;
  /** Prompt (context) length in tokens, >= 1. */
  promptTokens: number;
  /** Tokens to generate, >= 1. */
  outputTokens: number;
}
