import { curveLinear, curveStepAfter, extent, format, line, max, min, scaleLinear, scaleLog } from 'd3';
import { chartFrame, drawAxes, serialize, type LegendItem } from './chartFrame.js';

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
  const xDomain: [number, number] = x0 === undefined || x1 === undefined ? [log ? 1 : 0, log ? 10 : 1] : x0 === x1 ? [log ? x0 / 2 : x0 - 1, log ? x1 * 2 : x1 + 1] : [x0, x1];
  const x = (log ? scaleLog() : scaleLinear()).domain(xDomain).range([0, frame.plotWidthPx]);
  const yTop = spec.yMax ?? (max(ys) ?? 1);
  const yBottom = (spec.yFromZero ?? true) ? 0 : (min(ys) ?? 0);
  const y = scaleLinear()
    .domain([yBottom, yTop > yBottom ? yTop : yBottom + 1])
    .range([frame.plotHeightPx, 0]);
  if (spec.yMax === undefined) y.nice();
  if (!log) x.nice();

  // On a log axis the scale's own formatter blanks crowded minor ticks.
  const xTickFormat = spec.xTickFormat ?? (spec.xTickValues ? format('~g') : log ? x.tickFormat(8, '~g') : undefined);
  drawAxes(frame, { x, y, xLabel: spec.xLabel, yLabel: spec.yLabel, xTickFormat, xTickValues: spec.xTickValues, yTickFormat: spec.yTickFormat });

  for (const rule of spec.rules ?? []) {
    const color = rule.color ?? '#555';
    const g = frame.plot.append('g').attr('class', 'rule');
    if (rule.axis === 'x') {
      const px = x(rule.value);
      g.append('line').attr('x1', px).attr('x2', px).attr('y1', 0).attr('y2', frame.plotHeightPx).attr('stroke', color).attr('stroke-dasharray', '4 3');
      g.append('text').attr('x', px + 4).attr('y', 12).attr('fill', color).text(rule.label);
    } else {
      const py = y(rule.value / div);
      g.append('line').attr('x1', 0).attr('x2', frame.plotWidthPx).attr('y1', py).attr('y2', py).attr('stroke', color).attr('stroke-dasharray', '4 3');
      g.append('text').attr('x', frame.plotWidthPx - 4).attr('y', py - 4).attr('text-anchor', 'end').attr('fill', color).text(rule.label);
    }
  }

  const path = line<[number, number]>()
    .x((p) => x(p[0]))
    .y((p) => y(p[1] / div))
    .curve(spec.step ? curveStepAfter : curveLinear)
    .digits(2);
  const marks = frame.plot.append('g').attr('class', 'marks');
  for (const s of series) {
    marks
      .append('path')
      .attr('class', 'mark series')
      .attr('data-series', s.label)
      .attr('fill', 'none')
      .attr('stroke', s.color)
      .attr('stroke-width', 1.8)
      .attr('stroke-dasharray', s.dash ?? null)
      .attr('d', path(s.points));
  }
  return serialize(frame);
}
