/**
 * What an iteration computes, by the tokens it runs: only prompt tokens (prefill-only), only one
 * new token per running request (decode-only), or both in one batch (mixed: chunked prefill, vLLM V1).
 * Each prices through different cost terms, so their errors are reported apart.
 */
export type IterationPhase = 'prefillOnly' | 'mixed' | 'decodeOnly';

/** The phases in the order they are printed. */
export const ITERATION_PHASES: readonly IterationPhase[] = ['prefillOnly', 'mixed', 'decodeOnly'];

/** Printed names of the phases. */
export const PHASE_LABEL: Record<IterationPhase, string> = { prefillOnly: 'prefill-only', mixed: 'mixed', decodeOnly: 'decode-only' };

/** The phase of an iteration with these token counts (an iteration of no prefill token counts as decode-only). */
export function iterationPhase(prefillTokens: number, decodeTokens: number): IterationPhase {
  if (prefillTokens > 0) return decodeTokens > 0 ? 'mixed' : 'prefillOnly';
  return 'decodeOnly';
}
