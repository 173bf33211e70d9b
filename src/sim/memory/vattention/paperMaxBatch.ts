import { hardwarePreset } from '../../hardware/presets.js';
import { modelPreset } from '../../model/presets.js';
import { kvBudgetBytes } from '../kvBudget.js';
import { VAttentionPolicy } from '../VAttentionPolicy.js';
import { VATTENTION_MAX_BATCH_LIMIT } from '../VAttentionOptions.js';

/**
 * One model of the vAttention paper's evaluation as its artifact runs it
 * (github.com/microsoft/vattention scripts/artifact_asplos25/helpers/common.sh and run_figure_*.sh):
 * A100 80GB GPUs, Yi-6B at TP-1, Llama-3-8B and Yi-34B at TP-2, gpu_memory_utilization 0.9.
 */
export interface PaperSetup {
  model: string;
  tp: number;
  /** The paper's max batch with 64 KiB and with 2 MiB pages (as issue 13 quotes them). */
  paper: { page64KiB: number; page2MiB: number };
}

export const PAPER_SETUPS: readonly PaperSetup[] = [
  { model: 'yi-6b', tp: 1, paper: { page64KiB: 240, page2MiB: 187 } },
  { model: 'llama-3-8b', tp: 2, paper: { page64KiB: 258, page2MiB: 203 } },
  { model: 'yi-34b', tp: 2, paper: { page64KiB: 68, page2MiB: 56 } },
];

/** The paper's GPU and memory setting. */
export const PAPER_GPU = 'a100';
export const PAPER_GPU_MEMORY_UTILIZATION = 0.9;

/**
 * Requests of the given lengths (tokens each, admitted in order) that fit at once in one GPU's KV
 * memory with vAttention at `pageSizeBytes`, admitted the way the real system admits (1% watermark,
 * slots up to vAttention's limit of 999). kvsim's budget (memory * 0.9 - weights - its activation
 * reserve) stands in for the profiled free memory the real system reserves pages from.
 */
export function paperMaxBatch(setup: { model: string; tp: number }, pageSizeBytes: number, lengths: readonly number[]): number {
  const model = modelPreset(setup.model);
  const hardware = hardwarePreset(PAPER_GPU);
  const capacityBytes = kvBudgetBytes(model, hardware, setup.tp, { gpuMemoryUtilization: PAPER_GPU_MEMORY_UTILIZATION });
  const maxContextTokens = Math.max(model.maxContextTokens, ...lengths);
  // Capacity only: nothing is timed, so small pages need no assumed map cost.
  const policy = new VAttentionPolicy(
    { model, hardware, tp: setup.tp, capacityBytes },
    { pageSizeBytes, maxBatch: VATTENTION_MAX_BATCH_LIMIT, maxContextTokens, assumePageCostS: 0 },
  );
  let n = 0;
  while (n < lengths.length && policy.admit(n, lengths[n])) n++;
  return n;
}

/** `count` lengths uniform in [lo, hi] from a seeded linear congruential generator (deterministic). */
export function uniformLengths(count: number, lo: number, hi: number, seed: number): number[] {
  let x = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out.push(lo + Math.floor((x / 2 ** 32) * (hi - lo + 1)));
  }
  return out;
}
