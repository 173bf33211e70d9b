import { GpuUnavailableError } from './GpuUnavailableError.js';
import { gpuAvailability } from './gpuAvailability.js';
import type { NativeBinding, NativeDeviceInfo } from './NativeBinding.js';

/** The addon and device, or a GpuUnavailableError whose one-line message says why and how to fix it. */
export function requireGpu(device = 0): { binding: NativeBinding; info: NativeDeviceInfo } {
  const a = gpuAvailability(device);
  if (!a.ok) throw new GpuUnavailableError(a.stage, a.reason, a.fix);
  return { binding: a.binding, info: a.info };
}
