import { hardwarePreset } from '../sim/hardware/presets.js';
import { kvBudgetBytes } from '../sim/memory/kvBudget.js';
import type { RunResult } from '../sim/metrics/RunResult.js';
import { modelPreset } from '../sim/model/presets.js';
import { formatBytes } from './units.js';

/**
 * The KV/state budget the page/block-size sweep should use so it describes the replays' memory: an
 * explicit one (`kvsim report --kv-memory`), else the replays' own when they ran with a budget of their
 * own (`kvsim replay --kv-memory`; seen as a policy capacity more than 1 % away from the GPU-derived
 * budget; policies round the budget down to whole blocks or slots, hence the largest), else the GPU's.
 */
export function sweepBudget(
  s: { model: string; gpu: string; tp: number; budgetBytes?: number },
  runs: readonly RunResult[],
): { budgetBytes?: number; budgetSource?: string } {
  if (s.budgetBytes !== undefined) return { budgetBytes: s.budgetBytes, budgetSource: `--kv-memory ${formatBytes(s.budgetBytes)}` };
  const same = runs.filter((r) => r.config.model === s.model && r.config.gpu === s.gpu && r.config.tp === s.tp && r.summary.capacityBytes > 0);
  if (same.length === 0) return {};
  const capacity = Math.max(...same.map((r) => r.summary.capacityBytes));
  let derived: number;
  try {
    derived = kvBudgetBytes(modelPreset(s.model), hardwarePreset(s.gpu), s.tp);
  } catch {
    return {};
  }
  if (Math.abs(capacity - derived) <= 0.01 * derived) return {};
  return { budgetBytes: Math.round(capacity), budgetSource: `the replays' own budget, ${formatBytes(capacity)}, as kvsim replay --kv-memory set it` };
}
