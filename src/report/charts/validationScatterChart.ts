import { max, min, scaleLog } from 'd3';
import type { Chart } from '../Chart.js';
import { chartFrame, drawAxes, serialize } from '../chartFrame.js';
import { quantileSorted } from '../../sim/stats/quantile.js';
import { seriesColors } from '../palette.js';
import type { ValidationResult } from '../ValidationResult.js';

/** Relative error bands drawn around the diagonal. */
const BANDS = [0.05, 0.1, 0.2];
const MAX_DOTS_PER_SET = 4000;

/**
 * Predicted vs measured iteration time on log-log axes: the diagonal is perfect agreement; shaded bands
 * are ±5/10/20 %. The caption gives the median, p90 and p99 of |sim − gpu| / gpu.
 */
export function validationScatterChart(sets: readonly ValidationResult[]): Chart {
  const labels = sets.map((s) => `${s.policy} · ${s.model} · ${s.card}`);
  const colors = seriesColors(sets.map((s) => s.policy));
  const frame = chartFrame({
    id: 'validation',
    title: 'Simulator vs GPU: iteration time',
    legend: [
      ...labels.map((label, i) => ({ label, color: colors[i], shape: 'dot' as const })),
      ...BANDS.map((b, i) => ({ label: `±${b * 100}%`, color: bandColor(i), shape: 'box' as const })),
    ],
  });
  const all = sets.flatMap((s) => [...s.iterations.simS, ...s.iterations.gpuS]).filter((v) => v > 0 && Number.isFinite(v));
  const lo = (min(all) ?? 1e-3) / 1.3;
  const hi = (max(all) ?? 1) * 1.3;
  const x = scaleLog().domain([lo, hi]).range([0, frame.plotWidthPx]);
  const y = scaleLog().domain([lo, hi]).range([frame.plotHeightPx, 0]);
  drawAxes(frame, {
    x,
    y,
    xLabel: 'measured on GPU (s per iteration, log scale)',
    yLabel: 'simulated (s per iteration, log)',
    // The log scale's own formatter blanks crowded minor ticks.
    xTickFormat: x.tickFormat(6, '~g'),
    yTickFormat: y.tickFormat(6, '~g'),
    xTicks: 6,
    yTicks: 6,
  });
  const r2 = (v: number) => Math.round(v * 100) / 100;
  // Bands run past the plot's corners; clip them to it.
  frame.plot.append('clipPath').attr('id', 'clip-validation').append('rect').attr('width', frame.plotWidthPx).attr('height', frame.plotHeightPx);
  const bands = frame.plot.append('g').attr('class', 'bands').attr('clip-path', 'url(#clip-validation)');
  for (let i = BANDS.length - 1; i >= 0; i--) {
    const b = BANDS[i];
    const pts = [[lo, lo * (1 + b)], [hi, hi * (1 + b)], [hi, hi * (1 - b)], [lo, lo * (1 - b)]];
    bands.append('polygon').attr('points', pts.map(([gx, sy]) => `${r2(x(gx))},${r2(y(sy))}`).join(' ')).attr('fill', bandColor(i));
  }
  frame.plot.append('line').attr('class', 'diagonal').attr('x1', x(lo)).attr('y1', y(lo)).attr('x2', x(hi)).attr('y2', y(hi)).attr('stroke', '#333');
  const marks = frame.plot.append('g').attr('class', 'marks');
  const notes: string[] = [];
  sets.forEach((s, k) => {
    const n = Math.min(s.iterations.simS.length, s.iterations.gpuS.length);
    const step = Math.max(1, Math.ceil(n / MAX_DOTS_PER_SET));
    const errors: number[] = [];
    for (let i = 0; i < n; i++) {
      const sim = s.iterations.simS[i];
      const gpu = s.iterations.gpuS[i];
      if (!(sim > 0 && gpu > 0)) continue;
      errors.push(Math.abs(sim - gpu) / gpu);
      if (i % step !== 0) continue;
      marks.append('circle').attr('class', 'mark dot').attr('cx', r2(x(gpu))).attr('cy', r2(y(sim))).attr('r', 2.2).attr('fill', colors[k]).attr('fill-opacity', 0.6);
    }
    errors.sort((a, b) => a - b);
    // The same percentiles `kvsim validate` prints (nearest rank).
    const q = (p: number) => quantileSorted(errors, p);
    notes.push(errors.length === 0 ? `${labels[k]}: no valid pairs` : `${labels[k]}: n=${errors.length}, median ${pct(q(0.5))}, p90 ${pct(q(0.9))}, p99 ${pct(q(0.99))}`);
  });
  return {
    id: 'validation',
    title: 'Simulator vs GPU: iteration time',
    caption: `Each dot is one iteration, same plan on both sides; |sim − gpu| / gpu — ${notes.join('; ')}.`,
    svg: serialize(frame),
  };
}

function bandColor(i: number): string {
  return ['#c7e3c7', '#dcedd3', '#eef4e4'][i] ?? '#f4f4f4';
}

function pct(v: number): string {
  return `${(100 * v).toFixed(1)}%`;
}
