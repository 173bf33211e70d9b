import type { ArrivalSpec } from './ArrivalSpec.js';
import type { LengthSpec } from './LengthSpec.js';

/** Everything a synthetic trace is generated from; same spec, same trace, byte for byte. */
export interface SyntheticTraceSpec {
  /** Shown as the trace's name, e.g. `synthetic:conv`. */
  name: string;
  /** Requests to generate. */
  count: number;
  seed: number;
  arrival: ArrivalSpec;
  prompt: LengthSpec;
  output: LengthSpec;
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
} satisfies Record<string, SyntheticTraceSpec>;

export type SyntheticPresetName = keyof typeof SYNTHETIC_PRESETS;
export const SYNTHETIC_PRESET_NAMES = Object.keys(SYNTHETIC_PRESETS) as SyntheticPresetName[];

/** A fresh copy of a preset (callers may change it). */
export function syntheticPreset(name: SyntheticPresetName): SyntheticTraceSpec {
  return structuredClone(SYNTHETIC_PRESETS[name]) as SyntheticTraceSpec;
}
