import { expected, InvalidOptionError } from '../errors.js';
import { schedulerCaptureSizes } from '../sim/cost/calibrated/cudaGraphSizes.js';
import type { CalibrationProfile } from '../sim/cost/calibrated/CalibrationProfile.js';
import { hardwarePreset } from '../sim/hardware/presets.js';
import { createPolicy } from '../sim/memory/createPolicy.js';
import type { PolicyKind } from '../sim/memory/MemoryPolicy.js';
import { predictorFor } from '../sim/cost/calibrated/predictorFor.js';
import { checkTensorParallel } from '../sim/model/derived.js';
import { modelPreset } from '../sim/model/presets.js';
import type { RunResult } from '../sim/metrics/RunResult.js';
import { checkSchedulerKind, resolveSchedulerOptions } from '../sim/scheduler/SchedulerOptions.js';
import { simulate, type SimulationConfig } from '../sim/engine/simulate.js';
import { GpuExecutor, type GpuIterationPairs } from './GpuExecutor.js';
import type { NativeBinding, NativeDeviceInfo } from './NativeBinding.js';
import { requireGpu } from './requireGpu.js';

export interface GpuReplayConfig extends Omit<SimulationConfig, 'executor' | 'costModel' | 'policy'> {
  policy: PolicyKind;
  /** @defaultValue 0 */
  device?: number;
  /** Calibration profile for the per-iteration predictions (validation); roofline when absent. */
  profile?: { profile: CalibrationProfile; path: string };
  /** The addon and device to run on. @defaultValue requireGpu(device): the loaded addon, or a GpuUnavailableError */
  gpu?: { binding: NativeBinding; info: NativeDeviceInfo };
  /**
   * Decode-only iterations as CUDA graphs, padded to vLLM V1's capture sizes (cudaGraphCaptureSizes of
   * the scheduler's max_num_seqs and token budget); the predictor then needs the profile's
   * enactment.<policy>.cudaGraphs fit. @defaultValue false
   */
  cudaGraphs?: boolean;
}

export interface GpuReplayResult {
  run: RunResult;
  /** The simulator's prediction for each GPU iteration (same plan) and the measured time. */
  pairs: GpuIterationPairs;
  card: string;
  /** The cost model that made the predictions. */
  predictor: string;
  /** With cudaGraphs: the capture sizes the decode batches were padded to. */
  captureSizes?: number[];
}

/** Checks the cudaGraphs option of a GPU replay (`--cuda-graphs`). */
export function checkCudaGraphs(value: unknown, option = 'cudaGraphs'): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw expected('true or false', option, value);
  return value;
}

/**
 * Refuses tp > 1 for a GPU replay. One GPU runs one rank's shapes and no all-reduce, while the
 * simulator at tp > 1 prices both: a comparison would be silently wrong (issue 20: multi-rank replay
 * needs a host with several GPUs).
 */
export function checkGpuReplayTp(tp: number): void {
  if (tp > 1) {
    throw new InvalidOptionError(`GPU replay at --tp ${tp}: the GPU executor runs on one GPU (one rank's shapes, no all-reduce between ranks), so it cannot replay or validate tensor parallelism yet; use --tp 1, or \`kvsim calibrate --tp ${tp}\` on a host with ${tp} GPUs to measure the all-reduce table the simulator prices`);
  }
}

/**
 * Replays a trace on the GPU: the same engine, scheduler and policy as the simulator, with each
 * iteration run and timed on the device (GpuExecutor). Writes the same RunResult as `simulate`.
 */
export async function replayOnGpu(config: GpuReplayConfig): Promise<GpuReplayResult> {
  const cudaGraphs = checkCudaGraphs(config.cudaGraphs);
  const { binding, info } = config.gpu ?? requireGpu(config.device ?? 0);
  const model = typeof config.model === 'string' ? modelPreset(config.model) : config.model;
  const hardware = typeof config.hardware === 'string' ? hardwarePreset(config.hardware) : config.hardware;
  const tp = checkTensorParallel(model, config.tp ?? 1);
  checkGpuReplayTp(tp);
  const schedulerKind = typeof config.scheduler === 'object' ? config.scheduler.kind : checkSchedulerKind(config.scheduler ?? 'vllm');
  // The device is sized for the scheduler's real limits (V1's per-GPU defaults included).
  const sched = typeof config.scheduler === 'object' ? config.scheduler.options : resolveSchedulerOptions(config.schedulerOptions, schedulerKind, { gpuMemoryBytes: hardware.memoryBytes, gpuName: hardware.name });
  const policy = createPolicy(config.policy, { model, hardware, tp, capacityBytes: config.capacityBytes, recordOps: true, vllmV1Defaults: schedulerKind === 'vllm', maxNumSeqs: sched.maxNumSeqs }, config.policyOptions as never);
  const maxTokens = Math.max(sched.maxNumBatchedTokens, sched.tokenBudget);
  // The sizes GpuModel derives from the same maxBatch and maxTokens (GpuModelOptions.graphSizes default).
  const captureSizes = cudaGraphs ? schedulerCaptureSizes(sched) : undefined;
  const predictor = predictorFor(model, hardware, tp, policy, config.policyOptions, config.profile, captureSizes ? { captureSizes } : undefined);
  const executor = new GpuExecutor(binding, info, {
    policy,
    model,
    tp,
    maxBatch: sched.maxNumSeqs,
    maxTokens,
    predictor,
    device: config.device,
    seed: config.seed,
    ...(cudaGraphs ? { cudaGraphs } : {}),
  });
  try {
    const run = await simulate({ ...config, model, hardware, tp, policy, executor, engine: { ...config.engine, skipAhead: false } });
    return { run, pairs: executor.pairs, card: info.name, predictor: predictor.label, ...(captureSizes ? { captureSizes } : {}) };
  } finally {
    executor.destroy();
  }
}
