import { checkInt, checkNumber, expected } from '../../errors.js';
import { createLengthSampler, type LengthSpec } from './LengthSpec.js';
import { MAX_TRACE_TOKENS } from './tokenLimits.js';

/**
 * The prefix structure of a synthetic trace: shared system prompts and multi-turn conversations,
 * so users without a trace like Mooncake's can study prefix caching. A conversation picks one system
 * prompt (by popularity), then has `turns` requests; turn k's prompt is the system prompt, every
 * earlier turn's user tokens and output, and its own new user tokens (drawn from the trace spec's
 * `prompt`), so later turns share all earlier turns' blocks. Its output comes from the spec's
 * `output`. Conversations start by the spec's arrival process; each later turn arrives a think time
 * after the previous turn's arrival (open loop: the trace cannot know when the answer came back).
 */
export interface PrefixStructureSpec {
  /**
   * Tokens per block id (`prefixBlockTokens` of every generated request).
   * @defaultValue 16 (kvsim's paged block size default, vLLM's on GPUs: DESIGN.md, Memory policies)
   */
  blockTokens?: number;
  /**
   * Distinct system prompts; 0 for none (conversations share only their own turns).
   * @defaultValue 0
   */
  systemPrompts?: number;
  /**
   * Length of each system prompt, drawn once per prompt.
   * @defaultValue fixed:1024
   */
  systemPromptTokens?: LengthSpec;
  /**
   * Popularity skew: system prompt k (1-based) is chosen with probability proportional to k^-skew
   * (Zipf); 0 chooses uniformly.
   * @defaultValue 1
   */
  systemPromptSkew?: number;
  /**
   * Requests per conversation (fixed:1 makes every request its own conversation).
   * @defaultValue fixed:1
   */
  turns?: LengthSpec;
  /**
   * Mean time from one turn's arrival to the next turn's, seconds (exponential).
   * @defaultValue 30
   */
  thinkTimeS?: number;
  /**
   * A conversation ends before the turn whose prompt + output would pass this (a model's context
   * window; real chat services end or truncate a conversation there). A first turn that alone passes
   * it is clipped like TraceOptions.maxContextTokens (output first).
   * @defaultValue MAX_TRACE_TOKENS (no limit)
   */
  maxContextTokens?: number;
}

/** PrefixStructureSpec with every default filled in and checked. */
export interface ResolvedPrefixStructure {
  blockTokens: number;
  systemPrompts: number;
  systemPromptTokens: LengthSpec;
  systemPromptSkew: number;
  turns: LengthSpec;
  thinkTimeS: number;
  maxContextTokens: number;
}

/** Most distinct system prompts (each holds its block ids in memory while generating). */
export const MAX_SYSTEM_PROMPTS = 1_000_000;

/** Fills the defaults and validates; messages name the field (`prefix.turns`, ...). */
export function resolvePrefixStructure(spec: PrefixStructureSpec): ResolvedPrefixStructure {
  if (typeof spec !== 'object' || spec === null) throw expected('an object', 'prefix', spec);
  const resolved: ResolvedPrefixStructure = {
    blockTokens: checkInt('prefix.blockTokens', spec.blockTokens ?? 16, 1, MAX_TRACE_TOKENS),
    systemPrompts: checkInt('prefix.systemPrompts', spec.systemPrompts ?? 0, 0, MAX_SYSTEM_PROMPTS),
    systemPromptTokens: spec.systemPromptTokens ?? { kind: 'fixed', tokens: 1024 },
    systemPromptSkew: checkNumber('prefix.systemPromptSkew', spec.systemPromptSkew ?? 1, 0, 20),
    turns: spec.turns ?? { kind: 'fixed', tokens: 1 },
    thinkTimeS: checkNumber('prefix.thinkTimeS', spec.thinkTimeS ?? 30, 0),
    maxContextTokens: checkInt('prefix.maxContextTokens', spec.maxContextTokens ?? MAX_TRACE_TOKENS, 2, MAX_TRACE_TOKENS),
  };
  if (resolved.systemPromptTokens.kind === 'trace' || resolved.turns.kind === 'trace') {
    throw expected('a fixed, uniform, lognormal or zipf length', resolved.turns.kind === 'trace' ? 'prefix.turns' : 'prefix.systemPromptTokens', 'trace:...');
  }
  // Checks the distributions' parameters now, under the field's name.
  createLengthSampler(resolved.systemPromptTokens, 0, 'prefix.systemPromptTokens');
  createLengthSampler(resolved.turns, 0, 'prefix.turns');
  return resolved;
}
