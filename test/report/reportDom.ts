import { parseHTML } from 'linkedom';

/** Every chart SVG in a report with its data-mark count and axis labels, read back from the HTML. */
export function chartsIn(html: string): { id: string; marks: number; title: string; xLabel: string; yLabel: string }[] {
  const { document } = parseHTML(html);
  return [...document.querySelectorAll('svg.chart')].map((svg) => ({
    id: svg.getAttribute('data-chart') ?? '',
    marks: svg.querySelectorAll('.mark').length,
    title: svg.querySelector('.title')?.textContent ?? '',
    xLabel: svg.querySelector('.x-label')?.textContent ?? '',
    yLabel: svg.querySelector('.y-label')?.textContent ?? '',
  }));
}
