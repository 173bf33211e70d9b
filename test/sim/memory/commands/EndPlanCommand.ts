import type fc from 'fast-check';
import { expect } from 'vitest';
import { checkAll, type PolicyModel, type RealPolicy } from '../PolicyModel.js';

/**
 * The end of an iteration's planning: the policy's background step (vAttention's step_async thread)
 * may reclaim cached pages and map ahead, but never changes which requests exist, their tokens, or
 * whether there is room (the model's rule counts only needs), and never refuses anything.
 */
export class EndPlanCommand implements fc.Command<PolicyModel, RealPolicy> {
  check(): boolean {
    return true;
  }

  run(m: PolicyModel, r: RealPolicy): void {
    const refused = r.policy.stats.refused;
    r.policy.endPlan?.();
    expect(r.policy.stats.refused).toBe(refused);
    checkAll(m, r);
  }

  toString(): string {
    return 'endPlan()';
  }
}
