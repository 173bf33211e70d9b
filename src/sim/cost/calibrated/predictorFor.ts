import type { HardwareSpec } from '../../hardware/HardwareSpec.js';
import type { MemoryPolicy } from '../../memory/MemoryPolicy.js';
import type { ModelSpec } from '../../model/ModelSpec.js';
import type { CostModel } from '../CostModel.js';
import { RooflineCostModel } from '../RooflineCostModel.js';
import { CalibratedCostModel } from './CalibratedCostModel.js';
import type { CalibrationProfile } from './CalibrationProfile.js';

/** Whether a policy's attention part runs paged kernels. */
export function usesPagedKernels(policy: MemoryPolicy, options: unknown): boolean {
  return policy.kind === 'paged' || (policy.kind === 'hybrid' && ((options as { attention?: string } | undefined)?.attention ?? 'paged') === 'paged');
}

/** The simulator's cost model for a policy: calibrated when a profile is given, else roofline. */
export function predictorFor(model: ModelSpec, hardware: HardwareSpec, tp: number, policy: MemoryPolicy, policyOptions: unknown, profile?: { profile: CalibrationProfile; path: string }): CostModel {
  const pagedKernels = usesPagedKernels(policy, policyOptions);
  const ctx = { model, hardware, tp, pagedKernels, allocationMode: policy.allocationMode };
  if (!profile) return new RooflineCostModel(ctx);
  const blockSizeTokens = (policyOptions as { blockSizeTokens?: number } | undefined)?.blockSizeTokens ?? 16;
  return new CalibratedCostModel({ ...ctx, profile: profile.profile, profilePath: profile.path, blockSizeTokens, policyKind: policy.kind });
}

