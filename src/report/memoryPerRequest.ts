import { kvBytesPerToken, recurrentStateBytesPerRequest } from '../sim/model/derived.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';

/**
 * Bytes one request holds on one GPU at `contextTokens`: its KV (growing with context) plus its
 * recurrent state (constant). Exact, no page or block rounding: the policy-independent floor.
 */
export function memoryPerRequestBytes(model: ModelSpec, contextTokens: number, tp = 1): number {
  return kvBytesPerToken(model, tp) * contextTokens + recurrentStateBytesPerRequest(model, tp);
}

/**
 * Context length (tokens, fractional) at which a pure-attention model's KV per request equals a
 * recurrent model's constant state: beyond it the recurrent model holds less. Undefined when the
 * first model has no KV or the second no recurrent state.
 */
export function crossoverContextTokens(attention: ModelSpec, recurrent: ModelSpec, tp = 1): number | undefined {
  const perToken = kvBytesPerToken(attention, tp) - kvBytesPerToken(recurrent, tp);
  const fixed = recurrentStateBytesPerRequest(recurrent, tp) - recurrentStateBytesPerRequest(attention, tp);
  if (perToken <= 0 || fixed <= 0) return undefined;
  return fixed / perToken;
}
