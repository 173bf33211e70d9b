import { replay } from '../cli/replay.js';
import type { RunResult } from '../sim/metrics/RunResult.js';
import { searchMaxRate } from './searchMaxRate.js';
import type { SloSearchSpec } from './SweepSpec.js';
import type { SweepRun } from './SweepRun.js';
import { sweepRow, type SweepRow } from './SweepRow.js';
import type { RunOptions } from './sweepOptions.js';

type ReplayArgs = Parameters<typeof replay>[0];

/**
 * Runs one sweep run in this thread and returns its row. A replay goes through `kvsim replay`'s own
 * option resolution (the same checks, trace reading and cost-model choice), one model and one policy.
 */
export async function executeRun(run: SweepRun): Promise<SweepRow> {
  if (run.kind === 'run') return sweepRow(run, await replayOnce(run.options, undefined));
  const slo = run.slo!;
  const search = await searchMaxRate(
    async (rate) => {
      const result = await replayOnce(run.options, rate);
      return { pass: meets(result, slo), value: result };
    },
    slo.rateMinPerS,
    slo.rateMaxPerS,
    slo.tolerance,
  );
  return sweepRow(run, search.best, { maxRatePerS: search.maxRatePerS, capped: search.capped, probes: search.probes.length });
}

/** Whether a run meets every limit of the SLO (a percentile of no finished request fails). */
export function meets(result: RunResult, slo: SloSearchSpec): boolean {
  const s = result.summary;
  const groups = { ttft: s.ttftS, tbt: s.tbtS, e2e: s.e2eS };
  return slo.limits.every((l) => {
    const v = groups[l.metric][l.stat];
    return Number.isFinite(v) && v * 1000 <= l.maxMs;
  });
}

async function replayOnce(o: RunOptions, rate: number | undefined): Promise<RunResult> {
  const args: Record<string, unknown> = { backend: 'sim', device: 0, progress: false };
  for (const [k, v] of Object.entries(o)) if (v !== null && k !== 'trace-sha256') args[k] = typeof v === 'number' && (k === 'page-size' || k === 'kv-memory') ? String(v) : v;
  if (rate !== undefined) args.rate = rate;
  const runs = await replay(args as unknown as ReplayArgs);
  return runs[0];
}
