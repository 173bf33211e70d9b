import type { CostModel } from '../cost/CostModel.js';
import type { RooflineOptions } from '../cost/RooflineOptions.js';
import { resolveCostModel, type CostModelOptions } from '../cost/resolveCostModel.js';
import { hardwarePreset } from '../hardware/presets.js';
import type { HardwareSpec } from '../hardware/HardwareSpec.js';
import { createPolicy } from '../memory/createPolicy.js';
import type { MemoryPolicy, PolicyKind } from '../memory/MemoryPolicy.js';
import type { PolicyOptions } from '../memory/PolicyOptions.js';
import { checkTensorParallel } from '../model/derived.js';
import { modelPreset } from '../model/presets.js';
import type { ModelSpec } from '../model/ModelSpec.js';
import type { RunResult } from '../metrics/RunResult.js';
import { createScheduler } from '../scheduler/createScheduler.js';
import type { Scheduler, SchedulerKind } from '../scheduler/Scheduler.js';
import type { SchedulerOptions } from '../scheduler/SchedulerOptions.js';
import type { RequestSpec } from '../trace/RequestSpec.js';
import { Engine } from './Engine.js';
import type { EngineOptions } from './EngineOptions.js';
import type { Executor } from './Executor.js';
import { kvsimVersion } from './kvsimVersion.js';
import { arrayStream, type RequestStream } from './RequestStream.js';
import { SimExecutor } from './SimExecutor.js';

/** One replay: a trace through a scheduler and a memory policy on one GPU of a model. */
export interface SimulationConfig {
  /** A trace source (streamed chunk by chunk) or an in-memory array of requests. */
  trace: RequestStream | readonly RequestSpec[];
  /** Preset name or spec. */
  model: string | ModelSpec;
  /** Preset name/alias or spec. */
  hardware: string | HardwareSpec;
  /** @defaultValue 1 */
  tp?: number;
  /** A policy kind (built with createPolicy) or a ready policy object (its options are then its own). */
  policy: PolicyKind | MemoryPolicy;
  policyOptions?: PolicyOptions;
  /** Overrides the memory budget derived from the hardware. */
  capacityBytes?: number;
  /** @defaultValue 'vllm' (vLLM V1; it also makes the paged policy default to prefix caching, watermark 0) */
  scheduler?: SchedulerKind | Scheduler;
  schedulerOptions?: SchedulerOptions;
  /** Options of the roofline; given without `costModelOptions.profile`, they select the roofline. */
  cost?: RooflineOptions;
  /**
   * How the cost model is resolved (resolveCostModel, the same as `kvsim replay`): by default the
   * committed measured profile matching the card and the model's shape, else the roofline; the
   * result's `config.costModel.resolution` says which.
   */
  costModelOptions?: CostModelOptions;
  /** Replaces the resolved model altogether (e.g. a hand-built CalibratedCostModel). */
  costModel?: CostModel;
  /** Replaces the SimExecutor altogether (e.g. the GPU executor). */
  executor?: Executor;
  /** Recorded in the result: the seed the trace was generated/sampled with. @defaultValue 0 */
  seed?: number;
  /** Trace name for the result when `trace` is an array. @defaultValue the stream's name or 'array' */
  traceName?: string;
  engine?: EngineOptions;
}

/** Everything built for a simulation (exposed for callers that need the objects, e.g. tests). */
export interface SimulationParts {
  model: ModelSpec;
  hardware: HardwareSpec;
  tp: number;
  policy: MemoryPolicy;
  scheduler: Scheduler;
  executor: Executor;
  stream: RequestStream;
  /** How the cost model was resolved (when it was), for outputs. */
  costNote?: string;
}

/** Builds model, hardware, policy, scheduler and executor from a config. */
export function buildSimulation(config: SimulationConfig): SimulationParts {
  const model = typeof config.model === 'string' ? modelPreset(config.model) : config.model;
  const hardware = typeof config.hardware === 'string' ? hardwarePreset(config.hardware) : config.hardware;
  const tp = checkTensorParallel(model, config.tp ?? 1);
  const scheduler =
    typeof config.scheduler === 'object'
      ? config.scheduler
      : createScheduler(config.scheduler ?? 'vllm', config.schedulerOptions, { gpuMemoryBytes: hardware.memoryBytes, gpuName: hardware.name });
  const vllmV1Defaults = scheduler.kind === 'vllm';
  const policy =
    typeof config.policy === 'string'
      ? createPolicy(config.policy, { model, hardware, tp, capacityBytes: config.capacityBytes, recordOps: config.executor?.kind === 'gpu', vllmV1Defaults, maxNumSeqs: scheduler.options.maxNumSeqs }, config.policyOptions as never)
      : config.policy;
  // The cost model is resolved only when the simulator prices the run (not for a given executor or model).
  const resolved =
    config.executor || config.costModel
      ? undefined
      : resolveCostModel({ model, hardware, tp, policy, policyOptions: config.policyOptions }, { profile: config.cost ? 'roofline' : 'auto', roofline: config.cost, ...config.costModelOptions });
  const executor = config.executor ?? new SimExecutor(config.costModel ?? resolved!.costModel);
  const stream = Array.isArray(config.trace) ? arrayStream(config.trace as readonly RequestSpec[], config.traceName ?? 'array') : (config.trace as RequestStream);
  return { model, hardware, tp, policy, scheduler, executor, stream, costNote: resolved?.note };
}

/** Replays a trace and returns the RunResult (the JSON `kvsim replay --json` writes). */
export async function simulate(config: SimulationConfig): Promise<RunResult> {
  const parts = buildSimulation(config);
  const engine = new Engine(parts.policy, parts.scheduler, parts.executor, config.engine);
  const recorder = await engine.run(parts.stream);
  const costModel = parts.executor instanceof SimExecutor ? { ...parts.executor.costModel.describe(), ...(parts.costNote ? { resolution: parts.costNote } : {}) } : {};
  return {
    schema: 'kvsim.run/1',
    config: {
      trace: config.traceName ?? parts.stream.name ?? 'array',
      model: parts.model.name,
      gpu: parts.hardware.name,
      tp: parts.tp,
      policy: parts.policy.label,
      policyOptions: { kind: parts.policy.kind, allocationMode: parts.policy.allocationMode, ...(config.policyOptions ?? {}) },
      scheduler: parts.scheduler.label,
      schedulerOptions: { kind: parts.scheduler.kind, ...parts.scheduler.options },
      backend: parts.executor.kind,
      executor: parts.executor.label,
      seed: config.seed ?? 0,
      kvsimVersion: kvsimVersion(),
      ...(Object.keys(costModel).length > 0 ? { costModel } : {}),
    },
    summary: recorder.summary(),
    requests: recorder.requestColumns(),
    iterations: recorder.iterationColumns(),
  };
}
