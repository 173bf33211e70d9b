import type { IterationCost } from '../plan/IterationCost.js';
import type { IterationAggregate } from './IterationAggregate.js';

/**
 * Predicts an iteration's duration from its aggregate. Implementations are pure: the same aggregate
 * always gives the same cost (bit for bit), which the engine's skip-ahead relies on.
 */
export interface CostModel {
  /** Short description with provenance, e.g. `roofline(h100-sxm-80gb, paged decode x2.8)`. */
  readonly label: string;
  /** Writes the cost of the iteration into `out` (no allocation) and returns it. */
  iterationCost(agg: IterationAggregate, out: IterationCost): IterationCost;
  /** Parameters for result provenance (JSON-serialisable). */
  describe(): Record<string, unknown>;
}

export function emptyIterationCost(): IterationCost {
  return {
    durationS: 0,
    stallS: 0,
    terms: { gemmS: 0, prefillAttentionS: 0, decodeAttentionS: 0, recurrentS: 0, commS: 0, allocationS: 0, overheadS: 0 },
  };
}
