// 'kvsim/gpu': the GPU backend's memory mechanisms, usable only where the native addon and an NVIDIA
// GPU are (gpuAvailability() says which, with the fix); loading this module needs neither.
export { gpuAvailability, formatCudaVersion, type GpuAvailability } from './gpuAvailability.js';
export { requireGpu } from './requireGpu.js';
export { loadNative, nativeCandidates, type NativeLoadResult } from './loadNative.js';
export type * from './NativeBinding.js';
export { GpuUnavailableError } from './GpuUnavailableError.js';
export { CudaCallError } from './CudaCallError.js';
export { VmmArena, type VmmLayout } from './VmmArena.js';
export type { VmmArenaOptions } from './VmmArenaOptions.js';
export { BlockPool } from './BlockPool.js';
export type { BlockPoolOptions } from './BlockPoolOptions.js';
export { MemoryEnactor, EnactmentError, type EnactSummary, type MemoryEnactorOptions } from './MemoryEnactor.js';
export { runVmmBench, type VmmBenchOptions, type VmmBenchReport } from './runVmmBench.js';
