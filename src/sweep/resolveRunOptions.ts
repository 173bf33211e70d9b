import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { expected } from '../errors.js';
import { hardwarePreset } from '../sim/hardware/presets.js';
import type { PolicyKind } from '../sim/memory/MemoryPolicy.js';
import { POLICY_KINDS } from '../sim/memory/createPolicy.js';
import { resolvePagedOptions } from '../sim/memory/PagedOptions.js';
import { acceptedPolicyKinds, describeAcceptedPolicies, policyKindsFor } from '../sim/memory/policyKindsFor.js';
import { resolveVAttentionOptions } from '../sim/memory/VAttentionOptions.js';
import { modelPreset } from '../sim/model/presets.js';
import { checkSchedulerKind, resolveSchedulerOptions } from '../sim/scheduler/SchedulerOptions.js';
import { DEFAULT_TRACE } from '../sim/trace/defaultTrace.js';
import { SWEEP_OPTIONS, type RunOptions, type SweepValue } from './sweepOptions.js';

/** A grid point resolved to one run's options, or why the point has no run. */
export type ResolvedPoint = { options: RunOptions } | { skip: string };

/**
 * Fills a grid point's defaults (those `kvsim replay` would apply, through the library's own resolve
 * functions) and drops the options its policy or scheduler ignores, so two points that replay the same
 * thing resolve to the same options, and so to the same run id. Names are canonical preset names.
 */
export function resolveRunOptions(point: ReadonlyMap<string, SweepValue>, traceHash: (trace: string) => string | null = traceFileHash): ResolvedPoint {
  const get = (name: string) => point.get(name);
  const model = modelPreset(String(get('model')));
  const asked = String(get('policy')) as PolicyKind;
  if (!(POLICY_KINDS as readonly string[]).includes(asked)) throw expected(`one of ${POLICY_KINDS.join(', ')}`, 'grid.policy', asked);
  if (!acceptedPolicyKinds(model).includes(asked)) return { skip: `${asked} does not apply to ${model.name} (its layers call for ${describeAcceptedPolicies(model)})` };
  // On a hybrid model `paged` is the hybrid's default (paged attention): one canonical name, so the two
  // points replay the same thing under one run id; static and vattention stay distinct.
  const policy: PolicyKind = asked === 'paged' && policyKindsFor(model).includes('hybrid') ? 'hybrid' : asked;
  const schedulerKind = checkSchedulerKind(String(get('scheduler') ?? 'vllm'));
  const out: RunOptions = {};
  for (const o of SWEEP_OPTIONS) {
    const v = get(o.name);
    const irrelevant = (o.policies && !o.policies.includes(policy)) || (o.schedulers && !o.schedulers.includes(schedulerKind));
    out[o.name] = v === undefined || irrelevant ? null : v;
  }
  out.trace = String(get('trace') ?? DEFAULT_TRACE);
  out['trace-sha256'] = traceHash(out.trace);
  out.model = model.name;
  out.gpu = hardwarePreset(String(get('gpu') ?? 'h100')).name;
  out.tp = (get('tp') as number | undefined) ?? 1;
  out.policy = policy;
  out.scheduler = schedulerKind;
  out['cost-model'] = String(get('cost-model') ?? 'auto');
  const s = resolveSchedulerOptions({
    maxNumSeqs: num(get('max-num-seqs')),
    maxNumBatchedTokens: num(get('max-batched-tokens')),
    tokenBudget: num(get('token-budget')),
    chunkSizeTokens: num(get('chunk-size')),
  }, schedulerKind, { gpuMemoryBytes: hardwarePreset(out.gpu as string).memoryBytes, gpuName: out.gpu as string });
  out['max-num-seqs'] = s.maxNumSeqs;
  if (schedulerKind === 'sarathi') {
    out['token-budget'] = s.tokenBudget;
    out['chunk-size'] = s.chunkSizeTokens;
  } else {
    out['max-batched-tokens'] = s.maxNumBatchedTokens;
  }
  if (policy === 'paged' || policy === 'hybrid') out['block-size'] = resolvePagedOptions({ blockSizeTokens: num(get('block-size')) }, model).blockSizeTokens;
  if (policy === 'vattention') {
    const mapping = get('mapping');
    if (mapping !== undefined && mapping !== 'overlapped' && mapping !== 'sync') throw expected('"overlapped" or "sync"', 'grid.mapping', mapping);
    const v = resolveVAttentionOptions({ pageSizeBytes: num(get('page-size')), mapping: mapping as 'overlapped' | 'sync' | undefined }, model);
    out['page-size'] = v.pageSizeBytes;
    out.mapping = v.mapping;
  }
  return { options: out };
}

function num(v: SweepValue | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

const hashes = new Map<string, string | null>();

/**
 * The SHA-256 of a trace that is a local file, so an edited file gives new run ids; null for synthetic
 * and registry traces (their name fixes their content). Cached per path for one process.
 */
export function traceFileHash(trace: string): string | null {
  if (trace.startsWith('synthetic:') || !existsSync(trace) || !statSync(trace).isFile()) return null;
  let h = hashes.get(trace);
  if (h === undefined) {
    h = createHash('sha256').update(readFileSync(trace)).digest('hex');
    hashes.set(trace, h);
  }
  return h;
}
