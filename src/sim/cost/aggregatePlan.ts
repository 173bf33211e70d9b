import type { IterationPlan } from '../plan/IterationPlan.js';
import type { IterationAggregate } from './IterationAggregate.js';

/** Sums a plan into `out` (entries in plan order, so the result is reproducible to the bit). */
export function aggregatePlan(plan: IterationPlan, out: IterationAggregate): IterationAggregate {
  let prefillTokens = 0;
  let decodeTokens = 0;
  let prefillRequests = 0;
  let pairs = 0;
  let prefillKv = 0;
  let decodeKv = 0;
  const { prefillTokens: pre, decodeTokens: dec, contextTokens: ctx } = plan;
  for (let i = 0; i < plan.batchSize; i++) {
    const chunk = pre[i];
    const c = ctx[i];
    if (chunk > 0) {
      prefillTokens += chunk;
      prefillRequests++;
      pairs += chunk * (c + chunk / 2);
      prefillKv += c + chunk;
    }
    if (dec[i] > 0) {
      decodeTokens += dec[i];
      decodeKv += c + dec[i];
    }
  }
  out.batchSize = plan.batchSize;
  out.prefillTokens = prefillTokens;
  out.decodeTokens = decodeTokens;
  out.prefillRequests = prefillRequests;
  out.prefillAttentionPairs = pairs;
  out.prefillKvTokens = prefillKv;
  out.decodeKvTokens = decodeKv;
  out.allocOps = plan.allocOps;
  out.allocTimeS = plan.allocTimeS;
  out.aheadAllocOps = plan.aheadAllocOps ?? 0;
  out.aheadAllocTimeS = plan.aheadAllocTimeS ?? 0;
  return out;
}
