import type { SloSearchSpec } from './SweepSpec.js';
import type { RunOptions } from './sweepOptions.js';

/** One unit of work of a sweep: a replay, or an SLO capacity search (a series of replays). */
export interface SweepRun {
  /** Stable id: hash of `kind`, `options` and `slo` (see runId). */
  id: string;
  /** Position in the expanded sweep (spec order); shards and results follow it. */
  index: number;
  kind: 'run' | 'slo';
  /** Resolved replay options: every sweep option by name, null where unset or irrelevant. */
  options: RunOptions;
  /** The search, for kind 'slo' (its `options.rate` is null: the search picks the rates). */
  slo?: SloSearchSpec;
}
