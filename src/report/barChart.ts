import { format, max, scaleBand, scaleLinear } from 'd3';
import { chartFrame, drawAxes, serialize } from './chartFrame.js';

export interface BarGroup {
  /** Category on the x axis (one run, one policy). */
  label: string;
  /** One bar per measure, in the order of `BarChartSpec.measures`. */
  values: number[];
}

export interface BarChartSpec {
  id: string;
  title: string;
  yLabel: string;
  xLabel: string;
  /** Names and colours of the bars inside each group (the legend). */
  measures: { label: string; color: string }[];
  groups: BarGroup[];
  /** Printed above each bar. @defaultValue d3.format('.3~s') */
  valueFormat?: (v: number) => string;
}

/** Grouped vertical bars with their values printed on top. */
export function barChart(spec: BarChartSpec): string {
  const frame = chartFrame({
    id: spec.id,
    title: spec.title,
    legend: spec.measures.map((m) => ({ label: m.label, color: m.color, shape: 'box' as const })),
  });
  const fmt = spec.valueFormat ?? format('.3~s');
  const x = scaleBand()
    .domain(spec.groups.map((g) => g.label))
    .range([0, frame.plotWidthPx])
    .padding(0.25);
  const inner = scaleBand()
    .domain(spec.measures.map((_, i) => String(i)))
    .range([0, x.bandwidth()])
    .padding(0.08);
  const top = max(spec.groups.flatMap((g) => g.values.filter(Number.isFinite))) ?? 1;
  const y = scaleLinear()
    .domain([0, top > 0 ? top * 1.1 : 1])
    .range([frame.plotHeightPx, 0])
    .nice();
  drawAxes(frame, { x, y, xLabel: spec.xLabel, yLabel: spec.yLabel, yTickFormat: format('~s') });

  const marks = frame.plot.append('g').attr('class', 'marks');
  for (const group of spec.groups) {
    const g = marks.append('g').attr('transform', `translate(${x(group.label) ?? 0},0)`);
    group.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const bx = inner(String(i)) ?? 0;
      const by = y(Math.max(0, v));
      g.append('rect')
        .attr('class', 'mark bar')
        .attr('x', round(bx))
        .attr('y', round(by))
        .attr('width', round(inner.bandwidth()))
        .attr('height', round(frame.plotHeightPx - by))
        .attr('fill', spec.measures[i].color)
        .append('title')
        .text(`${group.label} — ${spec.measures[i].label}: ${fmt(v)}`);
      g.append('text')
        .attr('x', round(bx + inner.bandwidth() / 2))
        .attr('y', round(by - 4))
        .attr('text-anchor', 'middle')
        .attr('font-size', 10)
        .text(fmt(v));
    });
  }
  return serialize(frame);
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
