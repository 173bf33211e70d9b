import type { Chart } from '../Chart.js';
import { lineChart } from '../lineChart.js';
import type { HardwareSpec } from '../../sim/hardware/HardwareSpec.js';
import { memoryTable, type MemoryTableRow } from '../../sim/memory/memoryTable.js';
import type { LabelledModel } from './stateVsKvChart.js';

const COLORS = ['#0072B2', '#CC79A7', '#882255', '#E69F00', '#009E73'];
const DASHES = [undefined, '6 3', '2 3', '8 3 2 3'];

/**
 * Requests that fit at once against context length, one line per model under its natural policy
 * (paged with 16-token blocks for attention, one state slot for recurrent, the paged hybrid for
 * hybrids), from the memory table: each model's own weights come off the same GPU memory.
 */
export function capacityVsContextChart(models: readonly LabelledModel[], hardware: HardwareSpec, tp: number, contextsTokens: readonly number[]): Chart {
  const series = models.map((m, i) => {
    const table = memoryTable(m.model, hardware, tp, [...contextsTokens], { blockSizesTokens: [16], pageSizesBytes: [2 * 1024 * 1024] });
    const row = pickRow(table.rows);
    return {
      label: `${m.label} · ${row.label}`,
      color: COLORS[i % COLORS.length],
      dash: DASHES[i % DASHES.length],
      points: contextsTokens.map((c, k) => [c, row.maxRequests[k]] as [number, number]),
    };
  });
  const svg = lineChart({
    id: 'capacity-vs-context',
    title: 'Batch capacity vs context length',
    xLabel: 'tokens per request (log scale)',
    yLabel: 'requests that fit at once',
    xScale: 'log',
    xTickValues: [...contextsTokens],
    series,
  });
  const ends = series.map((s) => `${s.label}: ${s.points[0][1]} at ${s.points[0][0]} tokens, ${s.points[s.points.length - 1][1]} at ${s.points[s.points.length - 1][0]}`).join('; ');
  return {
    id: 'capacity-vs-context',
    title: 'Batch capacity vs context length',
    caption: `${hardware.name}, TP ${tp}; each model's own weights and reserve come off the same memory. ${ends}.`,
    svg,
  };
}

function pickRow(rows: MemoryTableRow[]): MemoryTableRow {
  return rows.find((r) => r.policy === 'recurrent') ?? rows.find((r) => r.label.includes('paged(block=16)')) ?? rows[0];
}
