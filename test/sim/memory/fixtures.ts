import { hardwarePreset } from '../../../src/sim/hardware/presets.js';
import { modelPreset } from '../../../src/sim/model/presets.js';
import type { PolicyContext } from '../../../src/sim/memory/PolicyContext.js';

/** A context for `model` on an H100 with an explicit capacity (tests pick small pools). */
export function ctxFor(model: string, capacityBytes?: number, tp = 1, recordOps = false): PolicyContext {
  return { model: modelPreset(model), hardware: hardwarePreset('h100'), tp, capacityBytes, recordOps };
}

export const KiB = 1024;
export const MiB = 1024 * KiB;
/** Llama-3-8B KV per token, TP1: 2 (K,V) * 32 layers * 8 KV heads * 128 dims * 2 bytes. */
export const LLAMA3_8B_TOKEN_BYTES = 2 * 32 * 8 * 128 * 2;
