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
  /**
   * Content identity of the prompt's leading blocks, for prefix caching (absent: nothing is shared).
   * Entry i stands for prompt tokens [i*prefixBlockTokens, min((i+1)*prefixBlockTokens, promptTokens)).
   * Ids are chained as in the Mooncake trace: an id at position i implies the same ids at positions
   * 0..i-1 (two requests whose i-th ids are equal share their whole prefix up to and including block i).
   * Non-negative safe integers; at most ceil(promptTokens / prefixBlockTokens) entries.
   */
  prefixBlockIds?: readonly number[];
  /** Tokens per entry of `prefixBlockIds` (512 for the Mooncake trace). Required when prefixBlockIds is set. */
  prefixBlockTokens?: number;
}
