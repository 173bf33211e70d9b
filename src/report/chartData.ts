import type { Frame } from './chartFrame.js';

/** One series as the page's script reads it: x and y in data units (y before `div`). */
export interface ChartDataSeries {
  label: string;
  color: string;
  x: number[];
  y: number[];
  /** Bin minimum and maximum (time charts): the envelope. */
  lo?: number[];
  hi?: number[];
  /** Time charts: index of each fine bin (its start is time.startS + k * binS); `x` is then empty. */
  k?: number[];
  /** Records in each bin (time charts): the weights when the script merges bins. */
  n?: number[];
  /** 'stack': an area stacked on the previous stack series; 'line' otherwise. @defaultValue 'line' */
  type?: 'line' | 'stack';
  dash?: string;
}

/** What the interactive script needs to read values under the pointer and redraw a zoomed time axis. */
export interface ChartData {
  step: boolean;
  /** Divisor from data units to axis units (e.g. bytes to GiB). */
  div: number;
  series: ChartDataSeries[];
  /** Time charts: bin width in seconds, and how many fine bins the static drawing merged into one. */
  time?: { startS: number; binS: number; merge: number; unit: string };
}

/** Stores `data` in the SVG as JSON in a `<desc class="chart-data">`, numbers to 4 significant digits. */
export function attachChartData(frame: Frame, data: ChartData): void {
  const json = JSON.stringify(data, (_k, v: unknown) => (typeof v === 'number' ? (Number.isFinite(v) ? Number(v.toPrecision(4)) : null) : v));
  frame.svg.append('desc').attr('class', 'chart-data').text(json);
}

/** Removes the script data from a report's SVGs (for --static pages, which have no script to read it). */
export function stripChartData(svg: string): string {
  return svg.replace(/<desc class="chart-data">[\s\S]*?<\/desc>/g, '');
}
