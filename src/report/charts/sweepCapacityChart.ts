import { format } from 'd3';
import type { Chart } from '../Chart.js';
import { barChart } from '../barChart.js';
import { formatBytes } from '../units.js';
import type { MemoryTable } from '../../sim/memory/memoryTable.js';

const CONTEXT_COLORS = ['#56B4E9', '#0072B2', '#009E73', '#E69F00', '#D55E00', '#CC79A7'];

/** Requests of each context length that fit at once, per policy and page/block size (memory table). */
export function sweepCapacityChart(table: MemoryTable, budgetSource?: string): Chart {
  const svg = barChart({
    id: 'sweep-capacity',
    title: `Max concurrent requests by page / block size — ${table.model}`,
    xLabel: 'policy (growth unit)',
    yLabel: 'requests that fit at once',
    measures: table.contextsTokens.map((c, i) => ({ label: `${c}-token requests`, color: CONTEXT_COLORS[i % CONTEXT_COLORS.length] })),
    groups: table.rows.map((r) => ({ label: r.label, values: r.maxRequests })),
    valueFormat: format(',d'),
    rotateXTicks: true,
  });
  return {
    id: 'sweep-capacity',
    title: `Max concurrent requests by page / block size — ${table.model}`,
    caption:
      `${table.model} on ${table.gpu}, TP ${table.tp}: ${formatBytes(table.budgetBytes)} per GPU for KV/state (${budgetSource ?? 'what the GPU leaves after weights and reserve'}). ` +
      'Counted by admitting requests of exactly that length into a fresh policy until it refuses, so every rounding the policy does is included.',
    svg,
  };
}
