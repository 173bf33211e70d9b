import type { IterationCost } from '../plan/IterationCost.js';
import type { IterationPlan } from '../plan/IterationPlan.js';

export type { CostTerms, IterationCost } from '../plan/IterationCost.js';
export type { IterationPlan } from '../plan/IterationPlan.js';

/** Turns an iteration plan into a duration: predicted (SimExecutor) or measured (GpuExecutor). */
export interface Executor {
  readonly kind: 'sim' | 'gpu';
  /** Short description for result provenance, e.g. `roofline(h100-sxm-80gb)` or `gpu(NVIDIA H100 80GB HBM3)`. */
  readonly label: string;
  execute(plan: IterationPlan): IterationCost;
}
