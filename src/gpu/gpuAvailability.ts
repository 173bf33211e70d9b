import { loadNative } from './loadNative.js';
import type { NativeBinding, NativeDeviceInfo } from './NativeBinding.js';
import type { GpuUnavailableStage } from './GpuUnavailableError.js';
import { nativeCall } from './nativeCall.js';

/** The GPU backend is usable on `device`, or the one-line reason it is not and how to fix that. */
export type GpuAvailability =
  | { ok: true; binding: NativeBinding; info: NativeDeviceInfo; addonPath: string }
  | { ok: false; stage: GpuUnavailableStage; reason: string; fix: string };

const DRIVER_FIX = 'install the NVIDIA driver (R580+ for CUDA 13) on a machine with an NVIDIA GPU; the simulator needs neither';

/**
 * Decides, without throwing, whether the GPU backend can run: the addon loads, a driver answers, the
 * device exists and supports CUDA virtual memory management.
 */
export function gpuAvailability(device = 0): GpuAvailability {
  const loaded = loadNative();
  if (!loaded.ok) return { ok: false, stage: 'addon', reason: loaded.reason, fix: loaded.fix };
  const b = loaded.binding;
  const probe = b.probe();
  if (probe.driverVersion === 0) {
    return { ok: false, stage: 'driver', reason: 'no NVIDIA driver found (libcuda.so.1 could not be loaded)', fix: DRIVER_FIX };
  }
  if (probe.error) {
    const { codeName, detail } = probe.error;
    if (codeName === 'cudaErrorInsufficientDriver') {
      return {
        ok: false,
        stage: 'driver',
        reason: `driver ${formatCudaVersion(probe.driverVersion)} is older than the addon's CUDA runtime ${formatCudaVersion(probe.runtimeVersion)}`,
        fix: 'upgrade the NVIDIA driver, or rebuild the addon with an older CUDA toolkit',
      };
    }
    if (codeName === 'cudaErrorNoDevice') {
      return { ok: false, stage: 'device', reason: 'the driver sees no CUDA device', fix: 'check `nvidia-smi` and CUDA_VISIBLE_DEVICES' };
    }
    return { ok: false, stage: 'driver', reason: `CUDA is unusable: ${codeName}: ${detail}`, fix: 'check `nvidia-smi`; reinstall or upgrade the NVIDIA driver' };
  }
  if (device >= probe.deviceCount) {
    return {
      ok: false,
      stage: 'device',
      reason: `device ${device} does not exist (${probe.deviceCount} CUDA device${probe.deviceCount === 1 ? '' : 's'} visible)`,
      fix: `pick a device in [0, ${probe.deviceCount - 1}] or check CUDA_VISIBLE_DEVICES`,
    };
  }
  let info: NativeDeviceInfo;
  try {
    info = nativeCall(() => b.deviceInfo(device));
  } catch (err) {
    return { ok: false, stage: 'device', reason: `device ${device} did not answer: ${(err as Error).message}`, fix: 'check `nvidia-smi`' };
  }
  if (!info.vmmSupported) {
    return { ok: false, stage: 'device', reason: `${info.name} does not support CUDA virtual memory management`, fix: 'use a GPU with VMM support (Pascal or newer, not under vGPU without it)' };
  }
  return { ok: true, binding: b, info, addonPath: loaded.path };
}

/** 13000 -> "13.0". */
export function formatCudaVersion(v: number): string {
  return `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
}
