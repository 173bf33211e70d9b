import type { CalibrationProfile } from '../sim/cost/calibrated/CalibrationProfile.js';
import type { PolicyKind } from '../sim/memory/MemoryPolicy.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
import { openTrace } from '../sim/trace/openTrace.js';
import { replayOnGpu } from './replayOnGpu.js';

/**
 * The per-iteration fixed cost (kernel launches, host staging, the synchronize) that the single-op
 * tables miss: replays a short synthetic calibration trace on the GPU, prices the same iterations from
 * the tables with no overhead, and takes the median of measured - predicted. The trace (synthetic,
 * seed 20231116) is not any trace validation runs on.
 */
export async function fitIterationOverhead(model: ModelSpec, gpu: string, tp: number, policy: PolicyKind, profile: CalibrationProfile, device = 0): Promise<{ overheadS: number; iterations: number }> {
  const trace = await openTrace('synthetic:conv', { count: 48, seed: 20231116, maxContextTokens: Math.min(model.maxContextTokens, 8192) });
  const noOverhead: CalibrationProfile = { ...profile, iterationOverheadS: 0 };
  const { pairs } = await replayOnGpu({ trace, model, hardware: gpu, tp, policy, device, profile: { profile: noOverhead, path: '(being calibrated)' } });
  const diffs = pairs.gpuS.map((g, i) => g - pairs.simS[i]).sort((a, b) => a - b);
  if (diffs.length === 0) throw new Error('fitIterationOverhead: the calibration replay ran no iteration');
  return { overheadS: Math.max(0, diffs[Math.floor(diffs.length / 2)]), iterations: diffs.length };
}
