import type { HardwareSpec } from '../../hardware/HardwareSpec.js';
import type { HybridPolicy } from '../../memory/HybridPolicy.js';
import type { MemoryPolicy, PolicyKind } from '../../memory/MemoryPolicy.js';
import { policyKindsFor } from '../../memory/policyKindsFor.js';
import type { ModelSpec } from '../../model/ModelSpec.js';
import type { CostModel } from '../CostModel.js';
import { RooflineCostModel } from '../RooflineCostModel.js';
import { CalibratedCostModel } from './CalibratedCostModel.js';
import type { CalibrationProfile } from './CalibrationProfile.js';

/**
 * Whether a policy's attention part runs paged kernels. A hybrid is asked for its attention part (its
 * options may not say: createPolicy builds one from `--policy vattention` with the part's options).
 */
export function usesPagedKernels(policy: MemoryPolicy, options: unknown): boolean {
  if (policy.kind === 'hybrid') {
    const part = (policy as Partial<HybridPolicy>).parts?.attention.kind;
    return (part ?? (options as { attention?: string } | undefined)?.attention ?? 'paged') === 'paged';
  }
  return policy.kind === 'paged';
}

/**
 * Which enactment fit of a profile prices this policy's per-iteration overhead: the policy kind,
 * except a hybrid whose attention part is not paged, `hybrid:<part>`. `kvsim calibrate` fits
 * `hybrid` on the default hybrid (paged attention); a vAttention or static attention part enacts
 * different memory work (vAttention's allocation op is ~80x a block-table op on the H100), so it
 * must not borrow the paged fit: without its own fit the run says the fit is missing.
 */
export function enactmentKey(policy: MemoryPolicy, options: unknown): string {
  if (policy.kind !== 'hybrid') return policy.kind;
  const part = (policy as Partial<HybridPolicy>).parts?.attention.kind ?? (options as { attention?: string } | undefined)?.attention ?? 'paged';
  return part === 'paged' ? 'hybrid' : `hybrid:${part}`;
}

/**
 * The enactment fits `kvsim calibrate` makes for a model, as (policy to replay, key to store): one per
 * applicable policy, and for a hybrid model one per attention part (`hybrid`, `hybrid:vattention`,
 * `hybrid:static`), keyed as {@link enactmentKey} looks them up.
 */
export function enactmentFitsFor(model: ModelSpec): { policy: PolicyKind; key: string }[] {
  const kinds = policyKindsFor(model);
  if (!kinds.includes('hybrid')) return kinds.map((policy) => ({ policy, key: policy }));
  return [{ policy: 'hybrid', key: 'hybrid' }, { policy: 'vattention', key: 'hybrid:vattention' }, { policy: 'static', key: 'hybrid:static' }];
}

/** The GPU replay's predictor for a policy: calibrated when a profile is given, else roofline (the simulator resolves with resolveCostModel). */
export function predictorFor(model: ModelSpec, hardware: HardwareSpec, tp: number, policy: MemoryPolicy, policyOptions: unknown, profile?: { profile: CalibrationProfile; path: string }, cudaGraphs?: { captureSizes: readonly number[] }): CostModel {
  const pagedKernels = usesPagedKernels(policy, policyOptions);
  const ctx = { model, hardware, tp, pagedKernels, allocationMode: policy.allocationMode, ...(cudaGraphs ? { cudaGraphs } : {}) };
  // CUDA graphs are priced only from a profile's graph fit: the calibrated model refuses the run without one.
  if (!profile) return cudaGraphs ? new CalibratedCostModel({ ...ctx, policyKind: enactmentKey(policy, policyOptions) }) : new RooflineCostModel(ctx);
  const o = policyOptions as { blockSizeTokens?: number; attentionOptions?: { blockSizeTokens?: number } } | undefined;
  const blockSizeTokens = o?.blockSizeTokens ?? o?.attentionOptions?.blockSizeTokens ?? 16;
  // The GPU side pairs every measured iteration with a prediction, so a table the profile lacks is
  // priced by the roofline here (and counted in describe().sources), never an error mid-measurement.
  return new CalibratedCostModel({ ...ctx, profile: profile.profile, profilePath: profile.path, blockSizeTokens, policyKind: enactmentKey(policy, policyOptions), allowFallback: true });
}

