import type { RunResult } from '../sim/metrics/RunResult.js';
import { offeredRatePerS } from './verdict.js';

/**
 * Short, unique legend labels for runs: the policy alone when that is unique, else the policy with
 * whichever of model, trace, GPU and backend tell the runs apart, then the offered request rate
 * (a load sweep), else a `#n` suffix.
 */
export function runLabels(runs: readonly RunResult[]): string[] {
  const base = runs.map((r) => r.config.policy);
  if (unique(base)) return base;
  const keys = ['model', 'trace', 'gpu', 'backend', 'scheduler'] as const;
  const differing = keys.filter((k) => new Set(runs.map((r) => String(r.config[k]))).size > 1);
  const withKeys = runs.map((r, i) => (differing.length === 0 ? base[i] : `${base[i]} (${differing.map((k) => String(r.config[k])).join(', ')})`));
  if (unique(withKeys)) return withKeys;
  const rates = runs.map(offeredRatePerS);
  const withRates = withKeys.map((l, i) => (rates[i] === undefined ? l : `${l} @ ${Number(rates[i]!.toPrecision(3))} req/s`));
  if (unique(withRates)) return withRates;
  return withKeys.map((l, i) => `${l} #${i + 1}`);
}

function unique(labels: string[]): boolean {
  return new Set(labels).size === labels.length;
}
