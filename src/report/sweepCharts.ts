import { KvsimError } from '../errors.js';
import { hardwarePreset } from '../sim/hardware/presets.js';
import { memoryTable } from '../sim/memory/memoryTable.js';
import { modelPreset } from '../sim/model/presets.js';
import type { Chart } from './Chart.js';
import { sweepCapacityChart } from './charts/sweepCapacityChart.js';
import { sweepFragmentationChart } from './charts/sweepFragmentationChart.js';

/**
 * The page/block-size sweep for one model, GPU and TP from the memory table. Returns a reason instead
 * of charts when the model or GPU is not a preset (e.g. a run made from a config.json path) or does not fit.
 */
export function sweepCharts(s: { model: string; gpu: string; tp: number; contextsTokens: number[]; budgetBytes?: number; budgetSource?: string }): { charts: Chart[]; note?: string } {
  try {
    const table = memoryTable(modelPreset(s.model), hardwarePreset(s.gpu), s.tp, s.contextsTokens, { budgetBytes: s.budgetBytes });
    return { charts: [sweepCapacityChart(table, s.budgetSource), sweepFragmentationChart(table)] };
  } catch (err) {
    if (err instanceof KvsimError) return { charts: [], note: `No page/block-size sweep for ${s.model} on ${s.gpu} (TP ${s.tp}): ${err.message}` };
    throw err;
  }
}
