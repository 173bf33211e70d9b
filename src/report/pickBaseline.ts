import type { RunResult } from '../sim/metrics/RunResult.js';
import { ReportInputError } from './ReportInputError.js';

/**
 * Index of the verdict's baseline run: the run whose label is `choice`, else the first whose policy
 * starts with it; by default the first paged run (vLLM's layout, what most people run today), else
 * the first run.
 */
export function pickBaseline(runs: readonly RunResult[], labels: readonly string[], choice?: string): number {
  if (choice === undefined) {
    const paged = runs.findIndex((r) => r.config.policy.startsWith('paged'));
    return paged >= 0 ? paged : 0;
  }
  const exact = labels.indexOf(choice);
  if (exact >= 0) return exact;
  const byPolicy = runs.findIndex((r) => r.config.policy.startsWith(choice));
  if (byPolicy >= 0) return byPolicy;
  throw new ReportInputError('--baseline', `expected one of ${labels.map((l) => JSON.stringify(l)).join(', ')} (or a policy name they start with) but received ${JSON.stringify(choice)}`);
}
