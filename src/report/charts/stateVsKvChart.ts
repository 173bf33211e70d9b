import { range } from 'd3';
import type { Chart } from '../Chart.js';
import { lineChart, type Rule } from '../lineChart.js';
import { crossoverContextTokens, memoryPerRequestBytes } from '../memoryPerRequest.js';
import { formatBytes } from '../units.js';
import { kvBytesPerToken, recurrentStateBytesPerRequest } from '../../sim/model/derived.js';
import type { ModelSpec } from '../../sim/model/ModelSpec.js';

const COLORS = ['#0072B2', '#CC79A7', '#882255', '#E69F00', '#009E73', '#56B4E9'];
const DASHES = [undefined, '6 3', '2 3', '8 3 2 3'];

/** A model to draw, with the label the legend shows (it should name the state or KV dtype). */
export interface LabelledModel {
  label: string;
  model: ModelSpec;
}

/**
 * Memory per request against context length: attention KV grows linearly, recurrent state is flat.
 * Each (attention, recurrent) pair's crossover is marked: past it the recurrent model needs less.
 */
export function stateVsKvChart(models: readonly LabelledModel[], maxContextTokens: number, tp: number): Chart {
  const contexts = range(0, maxContextTokens + 1, Math.max(1, Math.floor(maxContextTokens / 256)));
  const MiB = 1024 * 1024;
  const rules: Rule[] = [];
  const notes: string[] = [];
  for (const a of models) {
    if (kvBytesPerToken(a.model, tp) === 0 || recurrentStateBytesPerRequest(a.model, tp) > 0) continue;
    for (const r of models) {
      const x = crossoverContextTokens(a.model, r.model, tp);
      if (x === undefined || kvBytesPerToken(r.model, tp) > 0) continue;
      notes.push(`${r.label} = ${a.label} at ${x.toFixed(1)} tokens (${formatBytes(recurrentStateBytesPerRequest(r.model, tp))})`);
      if (x <= maxContextTokens) rules.push({ axis: 'x', value: x, label: `${Math.round(x)} tok`, color: '#555' });
    }
  }
  const svg = lineChart({
    id: 'state-vs-kv',
    title: 'Memory per request vs context: recurrent state vs attention KV',
    xLabel: 'context length (tokens)',
    yLabel: 'memory per request (MiB)',
    yDivisor: MiB,
    rules,
    series: models.map((m, i) => ({
      label: m.label,
      color: COLORS[i % COLORS.length],
      dash: DASHES[i % DASHES.length],
      points: contexts.map((c) => [c, memoryPerRequestBytes(m.model, c, tp)] as [number, number]),
    })),
  });
  return {
    id: 'state-vs-kv',
    title: 'Memory per request vs context: recurrent state vs attention KV',
    caption: `Exact bytes per request on one GPU (TP ${tp}), before any page or block rounding. Crossovers: ${notes.join('; ') || 'none in range'}.`,
    svg,
  };
}
