// The public library API: everything a user imports from 'kvsim'.
export * from './errors.js';
export type { RequestSpec } from './sim/trace/RequestSpec.js';
export * from './sim/model/dtype.js';
export type * from './sim/model/ModelSpec.js';
export * from './sim/model/derived.js';
export * from './sim/model/presets.js';
export type * from './sim/hardware/HardwareSpec.js';
export * from './sim/hardware/presets.js';
export type * from './sim/memory/MemoryPolicy.js';
export type * from './sim/engine/Executor.js';
export type * from './sim/metrics/RunResult.js';
