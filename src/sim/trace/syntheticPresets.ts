import type { ArrivalSpec } from './ArrivalSpec.js';
import type { LengthSpec } from './LengthSpec.js';
import type { PrefixStructureSpec } from './PrefixStructureSpec.js';

/** Everything a synthetic trace is generated from; same spec, same trace, byte for byte. */
export interface SyntheticTraceSpec {
  /** Shown as the trace's name, e.g. `synthetic:conv`. */
  name: string;
  /** Requests to generate. */
  count: number;
  seed: number;
  /** Request arrivals; with `prefix`, conversation starts (later turns follow by think time). */
  arrival: ArrivalSpec;
  /** Prompt tokens; with `prefix`, the new user tokens of each turn (the prompt adds the context before them). */
  prompt: LengthSpec;
  output: LengthSpec;
  /**
   * Shared system prompts and multi-turn conversations, with chained prefix block ids.
   * @defaultValue undefined (independent requests, no block ids)
   */
  prefix?: PrefixStructureSpec;
}

/**
 * Presets that look like the public Azure LLM inference traces of 2023 without shipping them:
 * lognormal lengths fitted to each trace's published median and p90, truncated at the trace's
 * largest value, and Poisson arrivals at the trace's mean rate ((count - 1) / span). The medians and
 * p90s are DESIGN.md's; the maxima and rates were read from the trace files, and
 * test/sim/trace/syntheticPresets.test.ts checks all of them against those files when ../shared
 * is present.
 */
export const SYNTHETIC_PRESETS = {
  /** Azure conversation 2023: 19,366 requests over 3,502 s; chat-length prompts, long answers. */
  conv: {
    name: 'synthetic:conv',
    count: 2000,
    seed: 42,
    arrival: { kind: 'poisson', ratePerS: 5.53 },
    prompt: { kind: 'lognormal', median: 1020, p90: 2734, max: 14050 },
    output: { kind: 'lognormal', median: 129, p90: 424, max: 1000 },
  },
  /** Azure code 2023: 8,819 requests over 3,436 s; long prompts, very short completions. */
  code: {
    name: 'synthetic:code',
    count: 2000,
    seed: 42,
    arrival: { kind: 'poisson', ratePerS: 2.57 },
    prompt: { kind: 'lognormal', median: 1469, p90: 5186, max: 7437 },
    output: { kind: 'lognormal', median: 13, p90: 55, max: 1899 },
  },
  /**
   * Single-turn requests behind shared system prompts: 16 system prompts of lognormal length (median
   * 1024, p90 2048, at most 4096 tokens) chosen with Zipf(1) popularity, then the user's own tokens
   * (lognormal median 256, p90 1024, at most 8192) and an Azure-conv-like output. All of these
   * numbers are assumed (no public trace publishes system-prompt statistics); the arrival rate is
   * the conv preset's, so the two load a server alike.
   */
  'system-prompt': {
    name: 'synthetic:system-prompt',
    count: 2000,
    seed: 42,
    arrival: { kind: 'poisson', ratePerS: 5.53 },
    prompt: { kind: 'lognormal', median: 256, p90: 1024, max: 8192 },
    output: { kind: 'lognormal', median: 129, p90: 424, max: 1000 },
    prefix: {
      blockTokens: 16,
      systemPrompts: 16,
      systemPromptTokens: { kind: 'lognormal', median: 1024, p90: 2048, max: 4096 },
      systemPromptSkew: 1,
      turns: { kind: 'fixed', tokens: 1 },
      thinkTimeS: 0,
    },
  },
  /**
   * Multi-turn chat: 4 system prompts (lognormal median 512, p90 1536, at most 4096 tokens; Zipf(1)),
   * 1 to 6 turns per conversation (uniform, mean 3.5), each turn adding user tokens (lognormal
   * median 128, p90 512, at most 4096) and an Azure-conv-like answer, 30 s mean think time, and
   * conversations ending before they pass 8192 tokens (Llama-3-8B's window). Assumed numbers, chosen
   * to look like chat; conversations start at 1.5 per second (about 5 requests per second).
   */
  multiturn: {
    name: 'synthetic:multiturn',
    count: 2000,
    seed: 42,
    arrival: { kind: 'poisson', ratePerS: 1.5 },
    prompt: { kind: 'lognormal', median: 128, p90: 512, max: 4096 },
    output: { kind: 'lognormal', median: 129, p90: 424, max: 1000 },
    prefix: {
      blockTokens: 16,
      systemPrompts: 4,
      systemPromptTokens: { kind: 'lognormal', median: 512, p90: 1536, max: 4096 },
      systemPromptSkew: 1,
      turns: { kind: 'uniform', min: 1, max: 6 },
      thinkTimeS: 30,
      maxContextTokens: 8192,
    },
  },
} satisfies Record<string, SyntheticTraceSpec>;

export type SyntheticPresetName = keyof typeof SYNTHETIC_PRESETS;
export const SYNTHETIC_PRESET_NAMES = Object.keys(SYNTHETIC_PRESETS) as SyntheticPresetName[];

/** A fresh copy of a preset (callers may change it). */
export function syntheticPreset(name: SyntheticPresetName): SyntheticTraceSpec {
  return structuredClone(SYNTHETIC_PRESETS[name]) as SyntheticTraceSpec;
}
