import { curveLinear, curveStepAfter, extent, format, line, max, min, scaleLinear, scaleLog } from 'd3';
import { axisDomain } from './axisDomain.js';
import { attachChartData } from './chartData.js';
import { chartFrame, describeScales, drawAxes, serialize, type LegendItem } from './chartFrame.js';

export interface LineSeries {
  label: string;
  color: string;
  /** SVG dash pattern, e.g. `6 3`; solid when absent. */
  dash?: string;
  points: [number, number][];
}

/** A vertical or horizontal reference line with a label, e.g. a capacity limit or a crossover. */
export interface Rule {
  axis: 'x' | 'y';
  value: number;
  label: string;
  color?: string;
}

export interface LineChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  rules?: Rule[];
  /** Divide y values by this before drawing (e.g. bytes to GiB). @defaultValue 1 */
  yDivisor?: number;
  /** @defaultValue 'linear' */
  xScale?: 'linear' | 'log';
  /** Draw each series as steps (value holds until the next point). @defaultValue false */
  step?: boolean;
  /** Force the y domain to start at zero. @defaultValue true */
  yFromZero?: boolean;
  /** Upper end of the y domain (e.g. 1 for a CDF); data maximum when absent. */
  yMax?: number;
  xTickFormat?: (v: number) => string;
  /** Explicit x tick positions (e.g. the context lengths swept). */
  xTickValues?: number[];
  yTickFormat?: (v: number) => string;
  /** Log y axis for values spanning decades (latency against load). @defaultValue 'linear' */
  yScale?: 'linear' | 'log';
  /** A dot at every point, with its value as a tooltip (few points: sweeps). @defaultValue false */
  dots?: boolean;
  /** Formats a point for its dot's tooltip. @defaultValue `x, y` with 4 significant digits */
  pointLabel?: (x: number, y: number) => string;
}

/** Lines over a shared x axis: the workhorse behind the time-series, CDF and sweep charts. */
export function lineChart(spec: LineChartSpec): string {
  const div = spec.yDivisor ?? 1;
  const series = spec.series.filter((s) => s.points.length > 0);
  const legend: LegendItem[] = series.map((s) => ({ label: s.label, color: s.color, shape: 'line', dash: s.dash }));
  const frame = chartFrame({ id: spec.id, title: spec.title, legend });

  const xs = series.flatMap((s) => s.points.map((p) => p[0])).concat((spec.rules ?? []).filter((r) => r.axis === 'x').map((r) => r.value));
  const ys = series.flatMap((s) => s.points.map((p) => p[1] / div)).concat((spec.rules ?? []).filter((r) => r.axis === 'y').map((r) => r.value / div));
  const [x0, x1] = extent(xs) as [number | undefined, number | undefined];
  const log = spec.xScale === 'log';
  const xDomain = axisDomain(x0, x1, log ? 'log' : 'linear');
  const x = (log ? scaleLog() : scaleLinear()).domain(xDomain).range([0, frame.plotWidthPx]);
  const ylog = spec.yScale === 'log';
  const yTop = spec.yMax ?? (max(ys) ?? 1);
  const yBottom = ylog ? (min(ys.filter((v) => v > 0)) ?? 1) : (spec.yFromZero ?? true) ? Math.min(0, min(ys) ?? 0) : (min(ys) ?? 0);
  const y = (ylog ? scaleLog() : scaleLinear())
    .domain(ylog ? axisDomain(yBottom / 1.2, yTop * 1.2, 'log') : axisDomain(yBottom, yTop > yBottom ? yTop : yBottom + 1))
    .range([frame.plotHeightPx, 0]);
  if (spec.yMax === undefined) y.nice();
  if (!log) x.nice();
  describeScales(frame, { kind: log ? 'log' : 'linear', domain: x.domain() as [number, number] }, y.domain() as [number, number]);
  if (ylog) frame.svg.attr('data-ylog', '1');

  // On a log axis the scale's own formatter blanks crowded minor ticks.
  const xTickFormat = spec.xTickFormat ?? (spec.xTickValues ? format('~g') : log ? x.tickFormat(8, '~g') : undefined);
  drawAxes(frame, { x, y, xLabel: spec.xLabel, yLabel: spec.yLabel, xTickFormat, xTickValues: spec.xTickValues, yTickFormat: spec.yTickFormat ?? (ylog ? y.tickFormat(6, '~g') : undefined) });

  (spec.rules ?? []).forEach((rule, ruleIndex) => {
    const color = rule.color ?? '#555';
    const g = frame.plot.append('g').attr('class', 'rule');
    if (rule.axis === 'x') {
      const px = x(rule.value);
      g.append('line').attr('x1', px).attr('x2', px).attr('y1', 0).attr('y2', frame.plotHeightPx).attr('stroke', color).attr('stroke-dasharray', '4 3');
      // Labels of neighbouring rules step down so they do not overprint.
      g.append('text').attr('x', px + 4).attr('y', 12 + 13 * (ruleIndex % 4)).attr('fill', color).text(rule.label);
    } else {
      const py = y(rule.value / div);
      g.append('line').attr('x1', 0).attr('x2', frame.plotWidthPx).attr('y1', py).attr('y2', py).attr('stroke', color).attr('stroke-dasharray', '4 3');
      g.append('text').attr('x', frame.plotWidthPx - 4).attr('y', py - 4).attr('text-anchor', 'end').attr('fill', color).text(rule.label);
    }
  });

  const path = line<[number, number]>()
    .x((p) => x(p[0]))
    .y((p) => y(p[1] / div))
    .curve(spec.step ? curveStepAfter : curveLinear)
    .digits(2);
  const marks = frame.plot.append('g').attr('class', 'marks');
  // The points again, for the page's hover read-out (stripped from --static reports).
  attachChartData(frame, { step: spec.step ?? false, div, series: series.map((s) => ({ label: s.label, color: s.color, x: s.points.map((p) => p[0]), y: s.points.map((p) => p[1]) })) });
  for (const s of series) {
    marks
      .append('path')
      .attr('class', 'mark series')
      .attr('data-series', s.label)
      .attr('fill', 'none')
      .attr('stroke', s.color)
      .attr('stroke-width', 1.8)
      .attr('stroke-dasharray', s.dash ?? null)
      .attr('d', path(s.points.filter((p) => !ylog || p[1] > 0)));
    if (spec.dots) {
      const label = spec.pointLabel ?? ((px: number, py: number) => `${Number(px.toPrecision(4))}, ${Number(py.toPrecision(4))}`);
      for (const [px, py] of s.points) {
        if (ylog && !(py > 0)) continue;
        marks.append('circle').attr('class', 'dot').attr('cx', round2(x(px))).attr('cy', round2(y(py / div))).attr('r', 3.5).attr('fill', s.color).append('title').text(`${s.label}: ${label(px, py)}`);
      }
    }
  }
  return serialize(frame);
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
