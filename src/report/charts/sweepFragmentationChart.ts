import type { Chart } from '../Chart.js';
import { barChart } from '../barChart.js';
import { formatBytes } from '../units.js';
import type { MemoryTable } from '../../sim/memory/memoryTable.js';

/** Worst-case internal fragmentation of one request per policy and page/block size, log scale. */
export function sweepFragmentationChart(table: MemoryTable): Chart {
  const MiB = 1024 * 1024;
  const rows = table.rows.filter((r) => r.worstFragmentationBytes > 0);
  const svg = barChart({
    id: 'sweep-fragmentation',
    title: `Worst-case waste per request by page / block size — ${table.model}`,
    xLabel: 'policy (growth unit)',
    yLabel: 'worst internal fragmentation (MiB, log scale)',
    measures: [{ label: 'one request’s worst-case unused allocation', color: '#D55E00' }],
    groups: rows.map((r) => ({ label: r.label, values: [r.worstFragmentationBytes] })),
    yScale: 'log',
    yDivisor: MiB,
    valueFormat: formatBytes,
    rotateXTicks: true,
  });
  const growth = table.rows
    .filter((r) => r.growthTokens !== null)
    .map((r) => `${r.label} ${Number(r.growthTokens!.toFixed(2))} tokens`)
    .join(', ');
  return {
    id: 'sweep-fragmentation',
    title: `Worst-case waste per request by page / block size — ${table.model}`,
    caption: `Tokens added per allocation: ${growth}. Static reserves the whole maximum context up front; vAttention grows by a page in each of the 2·L K/V buffers at once.`,
    svg,
  };
}
