import type { PrefixStructureSpec } from './PrefixStructureSpec.js';
import { type SpecString, specNumber } from './parseSpecString.js';

/**
 * The keys a synthetic spec string with prefix structure takes beyond count, rate and seed, e.g.
 * `synthetic:multiturn:turns=4,think=10`:
 * - `prompts=N`: distinct system prompts (0: none);
 * - `system=N`: every system prompt is N tokens;
 * - `skew=S`: Zipf exponent of system-prompt popularity (0: uniform);
 * - `turns=N`: every conversation has N turns;
 * - `think=S`: mean think time between turns, seconds;
 * - `block=N`: tokens per block id;
 * - `context=N`: conversations end before passing N tokens.
 * `rate=R` is then conversations per second; the TraceOptions target rate (`--rate`) still rescales
 * the whole trace to R requests per second.
 */
export const PREFIX_SPEC_KEYS = ['prompts', 'system', 'skew', 'turns', 'think', 'block', 'context'] as const;

/** A copy of `prefix` with the spec string's prefix keys applied (values are validated when generating). */
export function applyPrefixKeys(prefix: PrefixStructureSpec, spec: SpecString): PrefixStructureSpec {
  const out: PrefixStructureSpec = { ...prefix };
  const get = (key: (typeof PREFIX_SPEC_KEYS)[number]) => specNumber(spec, key, 'trace');
  const prompts = get('prompts');
  const system = get('system');
  const skew = get('skew');
  const turns = get('turns');
  const think = get('think');
  const block = get('block');
  const context = get('context');
  if (prompts !== undefined) out.systemPrompts = prompts;
  if (system !== undefined) out.systemPromptTokens = { kind: 'fixed', tokens: system };
  if (skew !== undefined) out.systemPromptSkew = skew;
  if (turns !== undefined) out.turns = { kind: 'fixed', tokens: turns };
  if (think !== undefined) out.thinkTimeS = think;
  if (block !== undefined) out.blockTokens = block;
  if (context !== undefined) out.maxContextTokens = context;
  return out;
}
