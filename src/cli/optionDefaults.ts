import { resolveReportOptions, type ResolvedReportOptions } from '../report/ReportOptions.js';
import { hardwarePreset, HARDWARE_PRESET_NAMES } from '../sim/hardware/presets.js';
import { resolvePagedOptions, type ResolvedPagedOptions } from '../sim/memory/PagedOptions.js';
import { resolveVAttentionOptions, type ResolvedVAttentionOptions } from '../sim/memory/VAttentionOptions.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
import { modelPreset } from '../sim/model/presets.js';
import { resolveSchedulerOptions, SCHEDULER_KINDS, type ResolvedSchedulerOptions } from '../sim/scheduler/SchedulerOptions.js';
import { resolveTraceOptions, type ResolvedTraceOptions } from '../sim/trace/TraceOptions.js';

/**
 * The defaults --help shows, asked of the resolve functions that own them (nothing restated here):
 * change a default there and the help follows. Options whose default depends on the model are shown
 * for Llama-3-8B only where the value does not depend on it (block size, page size, mapping, ...).
 */
const HELP_MODEL: ModelSpec = modelPreset('llama-3-8b');

export const pagedDefault = <K extends keyof ResolvedPagedOptions>(key: K): ResolvedPagedOptions[K] => resolvePagedOptions({}, HELP_MODEL)[key];
export const vattentionDefault = <K extends keyof ResolvedVAttentionOptions>(key: K): ResolvedVAttentionOptions[K] => resolveVAttentionOptions({}, HELP_MODEL)[key];
export const traceDefault = <K extends keyof ResolvedTraceOptions>(key: K): ResolvedTraceOptions[K] => resolveTraceOptions({})[key];
export const reportDefault = <K extends keyof ResolvedReportOptions>(key: K): ResolvedReportOptions[K] => resolveReportOptions({})[key];

/**
 * A scheduler option's default in words: the value most (scheduler, GPU preset) pairs get, then the
 * exceptions, e.g. `256; 1024 under vllm on h100-sxm-80gb, h200-141gb`.
 */
export function schedulerDefault(key: keyof ResolvedSchedulerOptions): string {
  const byValue = new Map<string, string[]>();
  for (const kind of SCHEDULER_KINDS) {
    for (const gpu of HARDWARE_PRESET_NAMES) {
      const hw = hardwarePreset(gpu);
      const value = String(resolveSchedulerOptions({}, kind, { gpuMemoryBytes: hw.memoryBytes, gpuName: hw.name })[key]);
      byValue.set(value, [...(byValue.get(value) ?? []), `${kind}\u0000${gpu}`]);
    }
  }
  const ranked = [...byValue.entries()].sort((a, b) => b[1].length - a[1].length);
  const exceptions = ranked.slice(1).map(([value, pairs]) => `${value} under ${describePairs(pairs)}`);
  return [ranked[0][0], ...exceptions].join('; ');
}

/** `vllm on h100-sxm-80gb, h200-141gb` (or the scheduler alone when it holds on every GPU). */
function describePairs(pairs: string[]): string {
  const gpusOf = new Map<string, string[]>();
  for (const p of pairs) {
    const [kind, gpu] = p.split('\u0000');
    gpusOf.set(kind, [...(gpusOf.get(kind) ?? []), gpu]);
  }
  return [...gpusOf.entries()].map(([kind, gpus]) => (gpus.length === HARDWARE_PRESET_NAMES.length ? kind : `${kind} on ${gpus.join(', ')}`)).join(', ');
}

/** Bytes as the size flags take them: `2M`, `64K`, or plain bytes. */
export function formatSizeFlag(bytes: number): string {
  for (const [unit, size] of [['G', 2 ** 30], ['M', 2 ** 20], ['K', 2 ** 10]] as const) if (bytes % size === 0) return `${bytes / size}${unit}`;
  return String(bytes);
}
