import type { CalibrationProfile, CudaGraphFit, EnactmentFit } from '../sim/cost/calibrated/CalibrationProfile.js';
import type { PolicyKind } from '../sim/memory/MemoryPolicy.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
import { openTrace } from '../sim/trace/openTrace.js';
import { replayOnGpu } from './replayOnGpu.js';

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Least squares y = a + b x, both clamped at 0 (costs). */
function fitLine(xs: number[], ys: number[]): [number, number] {
  const n = xs.length;
  if (n === 0) return [0, 0];
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const b = sxx > 0 ? Math.max(0, sxy / sxx) : 0;
  return [Math.max(0, my - b * mx), b];
}

/**
 * What whole iterations cost beyond the single-operation tables, for one memory policy: replays a
 * short synthetic calibration trace on the GPU (synthetic conv, seed 20231116: not a trace validation
 * runs on), with vAttention's mapping synchronous so its full cost is seen, and prices the same
 * iterations from the tables with no overhead.
 * - iterationS: median over decode-only iterations of (measured - enactment time) - (predicted -
 *   modelled stall); perPrefillTokenS: median of what prefill iterations add beyond that, per token;
 * - allocIterationS + perAllocOpS * ops: least-squares fit of the measured enactment time of the
 *   iterations that allocated (block-table upload, slot bookkeeping, VMM calls).
 */
export async function fitEnactment(model: ModelSpec, gpu: string, tp: number, policy: PolicyKind, profile: CalibrationProfile, device = 0): Promise<EnactmentFit> {
  const { pairs, diff } = await calibrationReplay(model, gpu, tp, policy, profile, device, false);
  const ops: number[] = [];
  const enact: number[] = [];
  pairs.allocOps.forEach((n, i) => {
    if (n > 0) {
      ops.push(n);
      enact.push(pairs.mapS[i]);
    }
  });
  const [fixedS, perOpS] = fitLine(ops, enact);
  // Static reservation and recurrent state slots map no device memory per iteration: what the GPU
  // executor spends when they admit a request is its own bookkeeping (JavaScript slot tables, state
  // zeroing launches), so it is fitted as harness overhead, never as allocation work.
  const bookkeepingOnly = policy === 'static' || policy === 'recurrent';
  const [allocIterationS, perAllocOpS] = bookkeepingOnly ? [0, 0] : [fixedS, perOpS];
  const harness = bookkeepingOnly ? { harnessIterationS: fixedS, harnessPerOpS: perOpS } : {};
  // The fixed part from decode-only iterations; what prefill iterations add beyond it, per prompt token.
  const decodeOnly = diff.filter((_, i) => pairs.prefillTokens[i] === 0);
  const iterationS = Math.max(0, median(decodeOnly.length > 0 ? decodeOnly : diff));
  const perToken = diff.flatMap((d, i) => (pairs.prefillTokens[i] > 0 ? [(d - iterationS) / pairs.prefillTokens[i]] : []));
  return { iterationS, perPrefillTokenS: Math.max(0, median(perToken)), allocIterationS, perAllocOpS, ...harness, iterations: diff.length };
}

/** The calibration replay (see fitEnactment) and, per iteration, measured minus tables beyond enactment. */
async function calibrationReplay(model: ModelSpec, gpu: string, tp: number, policy: PolicyKind, profile: CalibrationProfile, device: number, cudaGraphs: boolean) {
  const trace = await openTrace('synthetic:conv', { count: 48, seed: 20231116, maxContextTokens: Math.min(model.maxContextTokens, 8192) });
  const bare: CalibrationProfile = { ...profile, iterationOverheadS: 0, enactment: undefined };
  const policyOptions = policy === 'vattention' ? { mapping: 'sync' } : undefined;
  const g = await replayOnGpu({ trace, model, hardware: gpu, tp, policy, policyOptions: policyOptions as never, device, profile: { profile: bare, path: '(being calibrated)' }, ...(cudaGraphs ? { cudaGraphs: true } : {}) });
  const pairs = g.pairs;
  if (pairs.gpuS.length === 0) throw new Error('fitEnactment: the calibration replay ran no iteration');
  const diff = pairs.gpuS.map((t, i) => t - pairs.mapS[i] - (pairs.simS[i] - pairs.simStallS[i]));
  return { pairs, diff, captureSizes: g.captureSizes };
}

/**
 * `kvsim calibrate --cuda-graphs`: the same calibration replay with decode-only iterations run as
 * CUDA graphs (each padded to a vLLM capture size; capture happens outside the timed iteration) and
 * priced from the tables at the padded batch; iterationS is the median over the iterations that ran
 * a graph of (measured - enactment time) - (predicted - modelled stall). Prefill, mixed and eager
 * decode iterations are left to the eager fit (they run the same with graphs on).
 */
export async function fitCudaGraphEnactment(model: ModelSpec, gpu: string, tp: number, policy: PolicyKind, profile: CalibrationProfile, device = 0): Promise<CudaGraphFit> {
  const { pairs, diff, captureSizes } = await calibrationReplay(model, gpu, tp, policy, profile, device, true);
  const rows = pairs.graphRows ?? [];
  const graphed = diff.filter((_, i) => (rows[i] ?? 0) > 0);
  if (graphed.length === 0) throw new Error(`fitCudaGraphEnactment: the calibration replay ran no decode iteration as a CUDA graph (${policy})`);
  return { iterationS: Math.max(0, median(graphed)), iterations: graphed.length, captureSizes: [...captureSizes!] };
}
