// The public library API: what a user imports from 'kvsim' (engine, traces, models, policies,
// schedulers, cost models, metrics). Chosen name by name: a new export is a decision, and
// test/index/exports.test.ts lists them. The HTML report (D3 + a DOM shim, ~0.2 s to load) is
// 'kvsim/report' and the GPU backend 'kvsim/gpu', so importing 'kvsim' loads neither.

// Errors: every failure a user can cause is a KvsimError with a code.
export { KvsimError, UserError, InvalidOptionError } from './errors.js';
export { TraceParseError } from './sim/trace/TraceParseError.js';
export { TraceSourceError } from './sim/trace/TraceSourceError.js';
export { ModelConfigError } from './sim/model/hfConfig.js';
export { PolicyMisuseError } from './sim/memory/requestChecks.js';
export { MissingCostTableError } from './sim/cost/calibrated/CalibratedCostModel.js';

// Simulation: one call (simulate), or the parts it builds (buildSimulation) for callers that drive them.
export { simulate, buildSimulation } from './sim/engine/simulate.js';
export type { SimulationConfig, SimulationParts } from './sim/engine/simulate.js';
export type { Executor, IterationPlan, IterationCost, CostTerms } from './sim/engine/Executor.js';
export type { EngineOptions } from './sim/engine/EngineOptions.js';
export type { IterationObserver } from './sim/engine/IterationObserver.js';
export { arrayStream } from './sim/engine/RequestStream.js';
export type { RequestStream } from './sim/engine/RequestStream.js';

// Traces: open (registry name, synthetic spec or file), generate, inspect, fetch, write.
export type { RequestSpec } from './sim/trace/RequestSpec.js';
export type { TraceSource } from './sim/trace/TraceSource.js';
export { openTrace, openSyntheticTrace } from './sim/trace/openTrace.js';
export { collectTrace } from './sim/trace/collectTrace.js';
export { DEFAULT_TRACE } from './sim/trace/defaultTrace.js';
export type { TraceOptions, ResolvedTraceOptions } from './sim/trace/TraceOptions.js';
export { resolveTraceOptions, DEFAULT_SEED } from './sim/trace/TraceOptions.js';
export type { TraceFormat } from './sim/trace/TraceFormat.js';
export { TRACE_FORMATS } from './sim/trace/TraceFormat.js';
export type { SkipReport } from './sim/trace/SkipReport.js';
export type { ArrivalSpec } from './sim/trace/ArrivalSpec.js';
export { parseArrivalSpec, formatArrivalSpec } from './sim/trace/ArrivalSpec.js';
export type { LengthSpec } from './sim/trace/LengthSpec.js';
export { parseLengthSpec, formatLengthSpec } from './sim/trace/LengthSpec.js';
export type { SyntheticTraceSpec, SyntheticPresetName } from './sim/trace/syntheticPresets.js';
export { SYNTHETIC_PRESET_NAMES, syntheticPreset } from './sim/trace/syntheticPresets.js';
export type { PrefixStructureSpec } from './sim/trace/PrefixStructureSpec.js';
export type { TraceStats, LengthStats } from './sim/trace/traceStats.js';
export type { PrefixSharingStats } from './sim/trace/PrefixSharingCounter.js';
export { traceStats } from './sim/trace/traceStats.js';
export type { TraceRegistryEntry } from './sim/trace/registry.js';
export { traceRegistry, traceRegistryNames, traceCacheDir } from './sim/trace/registry.js';
export type { FetchTraceOptions, FetchTraceResult } from './sim/trace/fetchTrace.js';
export { fetchTrace } from './sim/trace/fetchTrace.js';
export { writeTrace, WRITABLE_TRACE_FORMATS } from './sim/trace/writeTrace.js';
export type { WriteTraceReport, WritableTraceFormat } from './sim/trace/writeTrace.js';

// Models and hardware: presets, Hugging Face config.json, and the sizes derived from them.
export type { ModelSpec, LayerSpec, LayerKind, AttentionLayerSpec, MlstmLayerSpec, SlstmLayerSpec } from './sim/model/ModelSpec.js';
export { modelPreset, MODEL_PRESET_NAMES } from './sim/model/presets.js';
export { resolveModel } from './sim/model/resolveModel.js';
export { readHfConfig, modelFromHfConfig } from './sim/model/hfConfig.js';
export type { Dtype } from './sim/model/dtype.js';
export { DTYPES, dtypeBytes } from './sim/model/dtype.js';
export {
  attentionLayers,
  recurrentLayers,
  kvHeadsPerGpu,
  kvBytesPerToken,
  kvBytesPerTokenPerLayer,
  recurrentStateBytesPerLayer,
  recurrentStateBytesPerRequest,
  paramCount,
  weightBytesPerGpu,
} from './sim/model/derived.js';
export type { HardwareSpec, VmmCosts, InterconnectSpec } from './sim/hardware/HardwareSpec.js';
export { hardwarePreset, HARDWARE_PRESET_NAMES } from './sim/hardware/presets.js';

// Memory policies: the interface, the five policies, their options (resolve… fills the defaults).
export type { MemoryPolicy, PolicyKind, MemorySnapshot, AllocationStats, MemoryOp, PrefixCacheStats } from './sim/memory/MemoryPolicy.js';
export type { PolicyContext } from './sim/memory/PolicyContext.js';
export type { PolicyOptions, PolicyOptionsByKind } from './sim/memory/PolicyOptions.js';
export { createPolicy, POLICY_KINDS } from './sim/memory/createPolicy.js';
export { policyKindsFor } from './sim/memory/policyKindsFor.js';
export { StaticPolicy } from './sim/memory/StaticPolicy.js';
export { PagedPolicy } from './sim/memory/PagedPolicy.js';
export { VAttentionPolicy } from './sim/memory/VAttentionPolicy.js';
export { RecurrentStatePolicy } from './sim/memory/RecurrentStatePolicy.js';
export { HybridPolicy } from './sim/memory/HybridPolicy.js';
export type { KvBudgetOptions } from './sim/memory/kvBudget.js';
export { kvBudgetBytes } from './sim/memory/kvBudget.js';
export type { StaticOptions, ResolvedStaticOptions } from './sim/memory/StaticOptions.js';
export { resolveStaticOptions } from './sim/memory/StaticOptions.js';
export type { PagedOptions, ResolvedPagedOptions } from './sim/memory/PagedOptions.js';
export { resolvePagedOptions } from './sim/memory/PagedOptions.js';
export type { VAttentionOptions, ResolvedVAttentionOptions } from './sim/memory/VAttentionOptions.js';
export { resolveVAttentionOptions, isVAttentionPageSize, SMALL_PAGE_BYTES, VATTENTION_MAX_BATCH_LIMIT } from './sim/memory/VAttentionOptions.js';
export type { RecurrentOptions, ResolvedRecurrentOptions } from './sim/memory/RecurrentOptions.js';
export { resolveRecurrentOptions } from './sim/memory/RecurrentOptions.js';
export type { HybridOptions, ResolvedHybridOptions, AttentionPolicyKind } from './sim/memory/HybridOptions.js';
export { resolveHybridOptions } from './sim/memory/HybridOptions.js';
export type { MemoryTable, MemoryTableOptions, MemoryTableRow } from './sim/memory/memoryTable.js';
export { memoryTable } from './sim/memory/memoryTable.js';
export { recurrentStateBytes } from './sim/memory/recurrentStateBytes.js';

// Schedulers: vLLM V1 (default), vLLM V0, Sarathi, Orca.
export type { Scheduler, SchedulerKind } from './sim/scheduler/Scheduler.js';
export type { SchedulerContext, DropReason } from './sim/scheduler/SchedulerContext.js';
export type { SchedulerOptions, ResolvedSchedulerOptions, SchedulerDefaultsContext, PreemptionPolicy } from './sim/scheduler/SchedulerOptions.js';
export { resolveSchedulerOptions, SCHEDULER_KINDS } from './sim/scheduler/SchedulerOptions.js';
export { createScheduler } from './sim/scheduler/createScheduler.js';
export { VllmScheduler } from './sim/scheduler/VllmScheduler.js';
export { SarathiScheduler } from './sim/scheduler/SarathiScheduler.js';
export { OrcaScheduler } from './sim/scheduler/OrcaScheduler.js';

// Cost models: the one resolution simulate() uses, the roofline, measured profiles, published kernels.
export type { CostModel } from './sim/cost/CostModel.js';
export type { CostModelOptions, ResolvedCostModel, RunShape } from './sim/cost/resolveCostModel.js';
export { resolveCostModel, ATTENTION_KERNEL_NAMES } from './sim/cost/resolveCostModel.js';
export { RooflineCostModel } from './sim/cost/RooflineCostModel.js';
export type { RooflineOptions, ResolvedRooflineOptions } from './sim/cost/RooflineOptions.js';
export { resolveRooflineOptions } from './sim/cost/RooflineOptions.js';
export { CalibratedCostModel } from './sim/cost/calibrated/CalibratedCostModel.js';
export type { CalibrationProfile } from './sim/cost/calibrated/CalibrationProfile.js';
export { readProfile, validateProfile } from './sim/cost/calibrated/readProfile.js';
export { findMatchingProfiles, profilesDir } from './sim/cost/calibrated/findProfile.js';
export { formatCostSources } from './sim/cost/formatCostSources.js';
export type { AttentionKernelProfile } from './sim/cost/attention/AttentionKernelProfile.js';
export { readAttentionKernels } from './sim/cost/attention/readAttentionKernels.js';
export type { SpeedupCase } from './sim/cost/compareAttention.js';
export { vattentionOverPaged, decodeIterationS, chunkedPrefillS } from './sim/cost/compareAttention.js';
export type { PublishedClaim, ClaimReproduction } from './sim/cost/reproduceClaims.js';
export { reproduceClaims, readPublishedClaims } from './sim/cost/reproduceClaims.js';

// Metrics: the result of a run (kvsim.run/1, schemas/kvsim.run-1.schema.json) and its views.
export type { RunResult, RunConfig, RunSummary, Percentiles, PrefixCacheSummary, RequestColumns, IterationColumns } from './sim/metrics/RunResult.js';
export type { MetricsOptions } from './sim/metrics/MetricsRecorder.js';
export { comparisonTable } from './sim/metrics/comparisonTable.js';
export { runsToJson } from './sim/metrics/runsToJson.js';
export { exactPercentiles } from './sim/metrics/percentiles.js';
