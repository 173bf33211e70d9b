import { area, format, line, scaleLinear } from 'd3';
import { axisDomain } from './axisDomain.js';
import { attachChartData } from './chartData.js';
import { chartFrame, describeScales, drawAxes, serialize, type LegendItem } from './chartFrame.js';
import type { Rule } from './lineChart.js';
import { mergeBins, type SeriesBins } from './mergeBins.js';

/** One quantity over time, already binned (fine bins; the chart merges them for drawing). */
export interface BinnedSeries {
  label: string;
  color: string;
  dash?: string;
  /** 'line': the bin means as a line with a light min/max envelope; 'stack': an area stacked on the previous stack series. */
  type: 'line' | 'stack';
  bins: SeriesBins;
  /** Draw the min/max envelope of a line. @defaultValue true */
  envelope?: boolean;
}

export interface BinnedChartSpec {
  id: string;
  title: string;
  yLabel: string;
  series: BinnedSeries[];
  /** Time range of the bins and the fine bin width, seconds. */
  startS: number;
  endS: number;
  binS: number;
  /** Fine bins merged into one for the static drawing (the script shows the fine ones when zoomed in). */
  merge: number;
  /** Unit the hover read-out prints after values (after `yDivisor`). */
  unit: string;
  /** @defaultValue 1 */
  yDivisor?: number;
  rules?: Rule[];
  /** Smallest top of the y axis, in data units (charts of several runs share a scale). */
  yMin?: number;
  /** @defaultValue 1360 (time charts span the page) */
  widthPx?: number;
  /** @defaultValue 220 */
  plotHeightPx?: number;
}

/**
 * A time chart that stays legible over hours of simulated time: values aggregated into time bins,
 * bin means as step lines (or stacked areas), each bin's min..max as a faint envelope so peaks are
 * not lost. The fine bins travel in the SVG for the page's zoom.
 */
export function binnedChart(spec: BinnedChartSpec): string {
  const div = spec.yDivisor ?? 1;
  const legend: LegendItem[] = spec.series.map((s) => ({ label: s.label, color: s.color, shape: s.type === 'stack' ? 'box' : 'line', dash: s.dash }));
  const frame = chartFrame({ id: spec.id, title: spec.title, legend, widthPx: spec.widthPx ?? 1360, plotHeightPx: spec.plotHeightPx ?? 220 });
  const coarse = spec.series.map((s) => mergeBins(s.bins, spec.startS, spec.binS, spec.merge));
  const w = spec.binS * Math.max(1, spec.merge);

  // Stacks: each stack series sits on the sum of the stack series before it, bin by bin (same bins: one run).
  const base: number[][] = [];
  let running: number[] | undefined;
  coarse.forEach((b, i) => {
    if (spec.series[i].type !== 'stack') {
      base.push(b.mean.map(() => 0));
      return;
    }
    const below = running && running.length === b.mean.length ? running : b.mean.map(() => 0);
    base.push(below);
    running = b.mean.map((v, k) => below[k] + (Number.isFinite(v) ? v : 0));
  });
  let top = 0;
  coarse.forEach((b, i) => {
    b.mean.forEach((v, k) => {
      const hi = spec.series[i].type === 'stack' ? base[i][k] + v : spec.series[i].envelope === false ? v : b.max[k];
      if (Number.isFinite(hi) && hi > top) top = hi;
    });
  });
  for (const r of spec.rules ?? []) if (r.axis === 'y' && r.value > top) top = r.value;
  if (spec.yMin !== undefined && spec.yMin > top) top = spec.yMin;
  const x = scaleLinear().domain(axisDomain(spec.startS, spec.endS)).range([0, frame.plotWidthPx]);
  const y = scaleLinear()
    .domain(axisDomain(0, top > 0 ? top / div : 1))
    .range([frame.plotHeightPx, 0])
    .nice();
  describeScales(frame, { kind: 'linear', domain: x.domain() as [number, number] }, y.domain() as [number, number]);
  drawAxes(frame, { x, y, xLabel: 'simulated time (s)', yLabel: spec.yLabel, xTickFormat: format('~g'), xTicks: 12 });
  attachChartData(frame, {
    step: true,
    div,
    time: { startS: spec.startS, binS: spec.binS, merge: spec.merge, unit: spec.unit },
    series: spec.series.map((s) => {
      const envelope = s.type === 'line' && s.envelope !== false;
      // Bin indices, not times: shorter, and exact for the script's merging.
      const k = s.bins.t.map((t) => Math.round((t - spec.startS) / spec.binS));
      return { label: s.label, color: s.color, dash: s.dash, type: s.type, x: [], k, y: s.bins.mean, n: s.bins.n, ...(envelope ? { lo: s.bins.min, hi: s.bins.max } : {}) };
    }),
  });

  // A clip keeps zoomed marks inside the plot.
  frame.svg.append('defs').append('clipPath').attr('id', `clip-${spec.id}`).append('rect').attr('width', frame.plotWidthPx).attr('height', frame.plotHeightPx);
  const marks = frame.plot.append('g').attr('class', 'marks').attr('clip-path', `url(#clip-${spec.id})`);
  const sx = (t: number) => x(t);
  const sy = (v: number) => y(v / div);
  coarse.forEach((b, i) => {
    const s = spec.series[i];
    const steps = stepPoints(b.t, w);
    if (s.type === 'stack') {
      const path = area<[number, number]>()
        .defined(([, k]) => k >= 0 && Number.isFinite(b.mean[k]))
        .x(([t]) => sx(t))
        .y0(([, k]) => sy(base[i][k]))
        .y1(([, k]) => sy(base[i][k] + b.mean[k]))
        .digits(1);
      marks.append('path').attr('class', 'mark series stack').attr('data-series', s.label).attr('fill', s.color).attr('fill-opacity', 0.75).attr('stroke', 'none').attr('d', path(steps));
      return;
    }
    if (s.envelope !== false) {
      const band = area<[number, number]>()
        .defined(([, k]) => k >= 0 && Number.isFinite(b.min[k]) && Number.isFinite(b.max[k]))
        .x(([t]) => sx(t))
        .y0(([, k]) => sy(b.min[k]))
        .y1(([, k]) => sy(b.max[k]))
        .digits(1);
      marks.append('path').attr('class', 'band').attr('data-series', s.label).attr('fill', s.color).attr('fill-opacity', 0.13).attr('stroke', 'none').attr('d', band(steps));
    }
    const path = line<[number, number]>()
      .defined(([, k]) => k >= 0 && Number.isFinite(b.mean[k]))
      .x(([t]) => sx(t))
      .y(([, k]) => sy(b.mean[k]))
      .digits(1);
    marks
      .append('path')
      .attr('class', 'mark series')
      .attr('data-series', s.label)
      .attr('fill', 'none')
      .attr('stroke', s.color)
      .attr('stroke-width', 1.6)
      .attr('stroke-dasharray', s.dash ?? null)
      .attr('d', path(steps));
  });
  for (const rule of spec.rules ?? []) {
    if (rule.axis !== 'y') continue;
    const py = sy(rule.value);
    const g = frame.plot.append('g').attr('class', 'rule');
    g.append('line').attr('x1', 0).attr('x2', frame.plotWidthPx).attr('y1', py).attr('y2', py).attr('stroke', rule.color ?? '#555').attr('stroke-dasharray', '4 3');
    g.append('text').attr('x', frame.plotWidthPx - 4).attr('y', py - 4).attr('text-anchor', 'end').attr('fill', rule.color ?? '#555').text(rule.label);
  }
  return serialize(frame);
}

/**
 * Step corners for bins starting at `t` of width `w`: each bin contributes (start, k) and (end, k);
 * a gap (empty bins) gets a (NaN, -1) break so the line does not bridge it.
 */
function stepPoints(t: readonly number[], w: number): [number, number][] {
  const out: [number, number][] = [];
  for (let k = 0; k < t.length; k++) {
    if (k > 0 && t[k] > t[k - 1] + w * 1.001) out.push([NaN, -1]);
    out.push([t[k], k], [t[k] + w, k]);
  }
  return out;
}
