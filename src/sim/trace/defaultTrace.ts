import { SYNTHETIC_PRESETS } from './syntheticPresets.js';

/**
 * The trace `kvsim replay` uses when none is named: conversation-like, generated (no data shipped),
 * fitted to the Azure conv 2023 published statistics (prompt median 1020, p90 2734; output median
 * 129, p90 424) with Poisson arrivals at that trace's mean rate — a moderate load for one H100
 * serving Llama-3-8B.
 */
export const DEFAULT_TRACE = 'synthetic:conv';
/** Its fixed seed, request count and rate (those of the `conv` preset). */
export const DEFAULT_TRACE_SEED: number = SYNTHETIC_PRESETS.conv.seed;
export const DEFAULT_TRACE_COUNT: number = SYNTHETIC_PRESETS.conv.count;
export const DEFAULT_TRACE_RATE_PER_S: number = SYNTHETIC_PRESETS.conv.arrival.ratePerS;
