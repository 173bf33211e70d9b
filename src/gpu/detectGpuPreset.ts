import { HARDWARE_PRESET_NAMES } from '../sim/hardware/presets.js';

/** The hardware preset matching a device name as the driver reports it, or undefined. */
export function detectGpuPreset(deviceName: string): string | undefined {
  const n = deviceName.toUpperCase();
  const preset = n.includes('H200') ? 'h200-141gb' : n.includes('H100') ? 'h100-sxm-80gb' : n.includes('A100') ? 'a100-80gb' : undefined;
  return preset && HARDWARE_PRESET_NAMES.includes(preset) ? preset : undefined;
}
