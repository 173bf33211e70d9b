import type { PolicyKind } from '../sim/memory/MemoryPolicy.js';
import type { SchedulerKind } from '../sim/scheduler/Scheduler.js';

/** How a spec value of an option is read: text, integer, number, byte size (`64K`, `2M`) or boolean. */
export type SweepValueKind = 'string' | 'int' | 'number' | 'size' | 'boolean';

/** One `kvsim replay` option a sweep spec may fix or vary. */
export interface SweepOption {
  /** The replay option's name, without `--` (the spec uses the same names). */
  name: string;
  kind: SweepValueKind;
  /** Smallest allowed value (int, number, size). */
  min?: number;
  /** Whether `min` itself is excluded (rates and scales must be above zero). @defaultValue false */
  exclusive?: boolean;
  /** The policies the option matters to; left out: every policy. Others drop it from their config. */
  policies?: readonly PolicyKind[];
  /** The schedulers the option matters to; left out: every scheduler. */
  schedulers?: readonly SchedulerKind[];
}

/**
 * Every option a sweep spec may set, in the order of the result columns. The names are `kvsim replay`'s
 * so a spec reads like a replay command line with lists; `backend` is left out (sweeps simulate).
 */
export const SWEEP_OPTIONS: readonly SweepOption[] = [
  { name: 'trace', kind: 'string' },
  { name: 'model', kind: 'string' },
  { name: 'gpu', kind: 'string' },
  { name: 'tp', kind: 'int', min: 1 },
  { name: 'policy', kind: 'string' },
  { name: 'scheduler', kind: 'string' },
  { name: 'block-size', kind: 'int', min: 1, policies: ['paged', 'hybrid'] },
  { name: 'page-size', kind: 'size', min: 1, policies: ['vattention'] },
  { name: 'mapping', kind: 'string', policies: ['vattention'] },
  { name: 'kv-memory', kind: 'size', min: 1 },
  { name: 'max-num-seqs', kind: 'int', min: 1 },
  { name: 'max-batched-tokens', kind: 'int', min: 1, schedulers: ['vllm', 'orca'] },
  { name: 'token-budget', kind: 'int', min: 1, schedulers: ['sarathi'] },
  { name: 'chunk-size', kind: 'int', min: 1, schedulers: ['sarathi'] },
  { name: 'cost-model', kind: 'string' },
  { name: 'rate', kind: 'number', min: 0, exclusive: true },
  { name: 'seed', kind: 'int', min: 0 },
  { name: 'count', kind: 'int', min: 1 },
  { name: 'first', kind: 'int', min: 1 },
  { name: 'sample', kind: 'int', min: 1 },
  { name: 'max-context', kind: 'int', min: 2 },
  { name: 'time-scale', kind: 'number', min: 0, exclusive: true },
  { name: 'window-start', kind: 'number', min: 0 },
  { name: 'window-end', kind: 'number', min: 0 },
  { name: 'arrival', kind: 'string' },
  { name: 'format', kind: 'string' },
  { name: 'skip-invalid', kind: 'boolean' },
];

/** The option of a name, or undefined. */
export function sweepOption(name: string): SweepOption | undefined {
  return SWEEP_OPTIONS.find((o) => o.name === name);
}

/** A value of one option in one run: what the spec gave, normalized (sizes in bytes). */
export type SweepValue = string | number | boolean;

/** One run's options by name; null where neither the spec nor a default sets it. */
export type RunOptions = Record<string, SweepValue | null>;
