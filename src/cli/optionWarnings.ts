import type { PolicyKind } from '../sim/memory/MemoryPolicy.js';
import type { SchedulerKind } from '../sim/scheduler/SchedulerKind.js';

/** Which policies or schedulers each policy- or scheduler-specific replay option acts on. */
const POLICY_OPTIONS: ReadonlyArray<[flag: string, key: string, policies: readonly PolicyKind[]]> = [
  ['--page-size', 'page-size', ['vattention']],
  ['--mapping', 'mapping', ['vattention']],
  ['--layout', 'layout', ['vattention']],
  ['--assume-page-cost', 'assume-page-cost', ['vattention']],
  ['--block-size', 'block-size', ['paged', 'hybrid']],
  ['--enable-prefix-caching', 'enable-prefix-caching', ['paged', 'hybrid']],
  ['--max-model-len', 'max-model-len', ['static', 'paged', 'vattention', 'hybrid']],
];
const SCHEDULER_OPTIONS: ReadonlyArray<[flag: string, key: string, schedulers: readonly SchedulerKind[]]> = [
  ['--token-budget', 'token-budget', ['sarathi']],
  ['--chunk-size', 'chunk-size', ['sarathi']],
  ['--long-prefill-token-threshold', 'long-prefill-token-threshold', ['vllm']],
];

/**
 * Options given that no run of this replay uses (`--page-size` when no vAttention run is planned,
 * `--token-budget` under the vllm scheduler): one warning line each. Warnings, not errors, because one
 * command line is often reused across policies and schedulers (a sweep, a script); never silence.
 */
export function inapplicableOptionWarnings(args: Record<string, unknown>, scheduler: SchedulerKind, policies: readonly PolicyKind[]): string[] {
  const lines: string[] = [];
  for (const [flag, key, applies] of POLICY_OPTIONS) {
    if (args[key] === undefined || policies.some((p) => applies.includes(p))) continue;
    lines.push(`kvsim: warning: ${flag} applies to ${applies.join('/')} only; no run here uses it (policies: ${[...new Set(policies)].join(', ')})`);
  }
  for (const [flag, key, applies] of SCHEDULER_OPTIONS) {
    if (args[key] === undefined || applies.includes(scheduler)) continue;
    lines.push(`kvsim: warning: ${flag} applies to the ${applies.join('/')} scheduler only; ignored under ${scheduler}`);
  }
  return lines;
}
