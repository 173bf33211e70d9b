import { axisBottom, axisLeft, select, type AxisDomain, type AxisScale, type Selection } from 'd3';
import { svgDocument } from './svgDocument.js';

/** What a legend entry looks like: a line (optionally dashed), a filled box, or a dot. */
export interface LegendItem {
  label: string;
  color: string;
  shape: 'line' | 'box' | 'dot';
  dash?: string;
}

export interface FrameSpec {
  id: string;
  title: string;
  legend: LegendItem[];
  /** @defaultValue 720 */
  widthPx?: number;
  /** Height of the plotting area alone; the title and legend add to it. @defaultValue 260 */
  plotHeightPx?: number;
  /** @defaultValue 70 */
  marginLeftPx?: number;
  /** Room under the plot for tick labels and the x-axis label (more for rotated labels). @defaultValue 48 */
  marginBottomPx?: number;
}

/** An SVG with title, legend and an empty plotting area whose origin is its top-left corner. */
export interface Frame {
  svg: Selection<SVGSVGElement, unknown, null, undefined>;
  plot: Selection<SVGGElement, unknown, null, undefined>;
  plotWidthPx: number;
  plotHeightPx: number;
  marginBottomPx: number;
  /** Where the plot sits in the SVG (the interactive script maps pointer positions with these). */
  marginLeftPx: number;
  marginTopPx: number;
}

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const TITLE_PX = 15;
const LEGEND_ROW_PX = 18;
// No text measuring in Node: legend entries are laid out with a conservative per-character width.
const CHAR_PX = 6.6;
const MARGIN_RIGHT_PX = 24;

/** Builds the frame: title on top, legend rows (wrapped to the width) below it, then the plot. */
export function chartFrame(spec: FrameSpec): Frame {
  const widthPx = spec.widthPx ?? 720;
  const plotHeightPx = spec.plotHeightPx ?? 260;
  const marginLeftPx = spec.marginLeftPx ?? 70;
  const plotWidthPx = widthPx - marginLeftPx - MARGIN_RIGHT_PX;
  const marginBottomPx = spec.marginBottomPx ?? 48;

  const rows = layoutLegend(spec.legend, plotWidthPx);
  const legendTopPx = TITLE_PX + 16;
  const marginTopPx = legendTopPx + rows.length * LEGEND_ROW_PX + 8;
  const heightPx = marginTopPx + plotHeightPx + marginBottomPx;

  const doc = svgDocument();
  const svg = select(doc.body)
    .append('svg')
    .attr('xmlns', 'http://www.w3.org/2000/svg')
    .attr('class', 'chart')
    .attr('id', `svg-${spec.id}`)
    .attr('data-chart', spec.id)
    .attr('viewBox', `0 0 ${widthPx} ${heightPx}`)
    .attr('width', widthPx)
    .attr('height', heightPx)
    .attr('role', 'img')
    .attr('aria-label', spec.title)
    .attr('font-family', FONT)
    .attr('font-size', 11);
  svg.append('rect').attr('width', widthPx).attr('height', heightPx).attr('fill', '#fff');
  svg
    .append('text')
    .attr('class', 'title')
    .attr('x', marginLeftPx)
    .attr('y', TITLE_PX + 4)
    .attr('font-size', TITLE_PX)
    .attr('font-weight', 600)
    .text(spec.title);

  const legend = svg.append('g').attr('class', 'legend').attr('transform', `translate(${marginLeftPx},${legendTopPx})`);
  rows.forEach((row, r) => {
    for (const { item, xPx } of row) {
      const g = legend.append('g').attr('transform', `translate(${xPx},${r * LEGEND_ROW_PX})`);
      if (item.shape === 'line') {
        g.append('line').attr('x1', 0).attr('x2', 18).attr('y1', 5).attr('y2', 5).attr('stroke', item.color).attr('stroke-width', 2.5).attr('stroke-dasharray', item.dash ?? null);
      } else if (item.shape === 'box') {
        g.append('rect').attr('width', 12).attr('height', 10).attr('x', 3).attr('fill', item.color);
      } else {
        g.append('circle').attr('cx', 9).attr('cy', 5).attr('r', 4).attr('fill', item.color);
      }
      g.append('text').attr('x', 24).attr('y', 9).text(item.label);
    }
  });

  const plot = svg.append('g').attr('class', 'plot').attr('transform', `translate(${marginLeftPx},${marginTopPx})`);
  return { svg, plot, plotWidthPx, plotHeightPx, marginBottomPx, marginLeftPx, marginTopPx };
}

function layoutLegend(items: LegendItem[], widthPx: number): { item: LegendItem; xPx: number }[][] {
  const rows: { item: LegendItem; xPx: number }[][] = [];
  let row: { item: LegendItem; xPx: number }[] = [];
  let xPx = 0;
  for (const item of items) {
    const w = 24 + item.label.length * CHAR_PX + 16;
    if (row.length > 0 && xPx + w > widthPx) {
      rows.push(row);
      row = [];
      xPx = 0;
    }
    row.push({ item, xPx });
    xPx += w;
  }
  if (row.length > 0) rows.push(row);
  return rows;
}

export interface AxesSpec<X extends AxisDomain, Y extends AxisDomain> {
  x: AxisScale<X>;
  y: AxisScale<Y>;
  xLabel: string;
  yLabel: string;
  xTickFormat?: (v: X) => string;
  yTickFormat?: (v: Y) => string;
  /** @defaultValue 8 */
  xTicks?: number;
  /** @defaultValue 6 */
  yTicks?: number;
  /** Light horizontal grid lines at the y ticks. @defaultValue true */
  grid?: boolean;
  /** Explicit tick positions, overriding the tick count. */
  xTickValues?: X[];
  yTickValues?: Y[];
  /** Turn x tick labels 30 degrees so long category names do not collide. @defaultValue false */
  rotateXTicks?: boolean;
}

/** Draws both axes with their labels (units in the label text) and an optional horizontal grid. */
export function drawAxes<X extends AxisDomain, Y extends AxisDomain>(frame: Frame, spec: AxesSpec<X, Y>): void {
  const { plot, plotWidthPx, plotHeightPx } = frame;
  const xAxis = axisBottom(spec.x).ticks(spec.xTicks ?? 8);
  if (spec.xTickFormat) xAxis.tickFormat(spec.xTickFormat as (v: X, i: number) => string);
  const yAxis = axisLeft(spec.y).ticks(spec.yTicks ?? 6);
  if (spec.xTickValues) xAxis.tickValues(spec.xTickValues);
  if (spec.yTickValues) yAxis.tickValues(spec.yTickValues);
  if (spec.yTickFormat) yAxis.tickFormat(spec.yTickFormat as (v: Y, i: number) => string);

  if (spec.grid ?? true) {
    const grid = axisLeft(spec.y).ticks(spec.yTicks ?? 6).tickSize(-plotWidthPx).tickFormat(() => '');
    if (spec.yTickValues) grid.tickValues(spec.yTickValues);
    plot.append('g').attr('class', 'grid').attr('stroke-opacity', 0.12).call(grid).call((g) => g.select('.domain').remove());
  }
  const xg = plot.append('g').attr('class', 'x-axis').attr('transform', `translate(0,${plotHeightPx})`).call(xAxis);
  if (spec.rotateXTicks) xg.selectAll('.tick text').attr('text-anchor', 'end').attr('dx', '-0.4em').attr('dy', '0.5em').attr('transform', 'rotate(-30)');
  plot.append('g').attr('class', 'y-axis').call(yAxis);
  plot
    .append('text')
    .attr('class', 'x-label')
    .attr('x', plotWidthPx / 2)
    .attr('y', plotHeightPx + frame.marginBottomPx - 10)
    .attr('text-anchor', 'middle')
    .attr('font-size', 12)
    .text(spec.xLabel);
  plot
    .append('text')
    .attr('class', 'y-label')
    .attr('transform', `translate(-52,${plotHeightPx / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .attr('font-size', 12)
    .text(spec.yLabel);
}

/**
 * Records the plot's geometry and scales on the SVG (`data-plot`, `data-x`, `data-y`) so the page's
 * script can turn a pointer position into data values for hover read-outs and zoom.
 */
export function describeScales(frame: Frame, x: { kind: 'linear' | 'log'; domain: [number, number] }, y: [number, number]): void {
  frame.svg
    .attr('data-plot', [frame.marginLeftPx, frame.marginTopPx, frame.plotWidthPx, frame.plotHeightPx].join(','))
    .attr('data-x', `${x.kind},${x.domain.join(',')}`)
    .attr('data-y', y.join(','));
}

/** The finished SVG as markup. */
export function serialize(frame: Frame): string {
  return (frame.svg.node() as SVGSVGElement).outerHTML;
}
