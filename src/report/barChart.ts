import { format, max, min, scaleBand, scaleLinear, scaleLog } from 'd3';
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
  /** Log y axis for values spanning decades (bars then start at the domain's floor). @defaultValue 'linear' */
  yScale?: 'linear' | 'log';
  /** Divide values by this before drawing (labels still use `valueFormat` on the raw value). @defaultValue 1 */
  yDivisor?: number;
  /** Rotated category labels and a deeper bottom margin, for long labels. @defaultValue false */
  rotateXTicks?: boolean;
}

/** Grouped vertical bars with their values printed on top. */
export function barChart(spec: BarChartSpec): string {
  const frame = chartFrame({
    id: spec.id,
    title: spec.title,
    legend: spec.measures.map((m) => ({ label: m.label, color: m.color, shape: 'box' as const })),
    marginBottomPx: spec.rotateXTicks ? 110 : 48,
  });
  const div = spec.yDivisor ?? 1;
  const fmt = spec.valueFormat ?? format('.3~s');
  const x = scaleBand()
    .domain(spec.groups.map((g) => g.label))
    .range([0, frame.plotWidthPx])
    .padding(0.25);
  const inner = scaleBand()
    .domain(spec.measures.map((_, i) => String(i)))
    .range([0, x.bandwidth()])
    .padding(0.08);
  const values = spec.groups.flatMap((g) => g.values.filter(Number.isFinite)).map((v) => v / div);
  const top = max(values) ?? 1;
  const log = spec.yScale === 'log';
  const floor = log ? 10 ** Math.floor(Math.log10(min(values.filter((v) => v > 0)) ?? 1) - 0.3) : 0;
  const y = (log ? scaleLog().domain([floor, top * 2]) : scaleLinear().domain([0, top > 0 ? top * 1.1 : 1])).range([frame.plotHeightPx, 0]).nice();
  drawAxes(frame, {
    x,
    y,
    xLabel: spec.xLabel,
    yLabel: spec.yLabel,
    yTickFormat: log ? format('~g') : format('~s'),
    // Powers of ten only: d3's log ticks add every minor step, which crowds a short plot.
    yTickValues: log ? powersOfTen(y.domain() as [number, number]) : undefined,
    rotateXTicks: spec.rotateXTicks,
  });

  const marks = frame.plot.append('g').attr('class', 'marks');
  for (const group of spec.groups) {
    const g = marks.append('g').attr('transform', `translate(${x(group.label) ?? 0},0)`);
    group.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const bx = inner(String(i)) ?? 0;
      const by = y(Math.max(floor, v / div));
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

function powersOfTen([lo, hi]: [number, number]): number[] {
  const out: number[] = [];
  for (let e = Math.ceil(Math.log10(lo) - 1e-9); e <= Math.floor(Math.log10(hi) + 1e-9); e++) out.push(10 ** e);
  return out;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
