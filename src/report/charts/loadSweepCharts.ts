import type { Chart } from '../Chart.js';
import { lineChart, type Rule } from '../lineChart.js';
import type { LoadSweepSeries } from '../loadSweep.js';
import { seriesColors } from '../palette.js';
import { sloGoodput, type Slo } from '../sloGoodput.js';
import type { RunResult } from '../../sim/metrics/RunResult.js';

const DASHES = [undefined, '7 3', '2 3', '9 3 2 3'];

interface Measure {
  id: string;
  title: string;
  yLabel: string;
  value: (run: RunResult) => number | undefined;
  log?: boolean;
  unit: string;
}

/**
 * Throughput, goodput and latency against offered request rate, one line per configuration, with a
 * dashed rule where each configuration's memory starts to bind (first refusal or preemption).
 */
export function loadSweepCharts(sweep: readonly LoadSweepSeries[], slo: Slo): Chart[] {
  const colors = seriesColors(sweep.map((s) => s.label));
  const rules: Rule[] = sweep.flatMap((s, i) =>
    s.memoryBindsAtRateS === undefined ? [] : [{ axis: 'x' as const, value: s.memoryBindsAtRateS, label: `${short(s.label)}: memory binds`, color: colors[i] }],
  );
  const measures: Measure[] = [
    { id: 'sweep-goodput', title: 'Goodput vs offered load', yLabel: 'requests/s within SLO', value: (r) => sloGoodput(r, slo)?.perS, unit: 'req/s' },
    { id: 'sweep-throughput', title: 'Throughput vs offered load', yLabel: 'output tokens/s', value: (r) => r.summary.outputTokensPerS, unit: 'tok/s' },
    { id: 'sweep-ttft', title: 'TTFT p99 vs offered load', yLabel: 'TTFT p99 (s, log scale)', value: (r) => pos(r.summary.ttftS?.p99), log: true, unit: 's' },
    { id: 'sweep-tbt', title: 'TBT p99 vs offered load', yLabel: 'TBT p99 (ms, log scale)', value: (r) => mapMs(r.summary.tbtS?.p99), log: true, unit: 'ms' },
  ];
  const binds = sweep.map((s) => `${s.label} ${s.memoryBindsAtRateS === undefined ? 'never binds in this range' : `binds from ${s.memoryBindsAtRateS.toFixed(2)} req/s`}`).join('; ');
  return measures.map((m) => {
    const series = sweep.map((s, i) => ({
      label: s.label,
      color: colors[i],
      dash: DASHES[i % DASHES.length],
      points: s.points.flatMap((p) => {
        const v = m.value(p.run);
        return v === undefined || !Number.isFinite(v) ? [] : [[p.rateS, v] as [number, number]];
      }),
    }));
    const svg = lineChart({
      id: m.id,
      title: m.title,
      xLabel: 'offered load (requests/s, from the arrivals)',
      yLabel: m.yLabel,
      yScale: m.log ? 'log' : 'linear',
      series,
      rules,
      dots: true,
      pointLabel: (x, y) => `${Number(y.toPrecision(4))} ${m.unit} at ${Number(x.toPrecision(4))} req/s`,
    });
    const extra = m.id === 'sweep-goodput' ? ` SLO: TTFT ≤ ${slo.ttftS} s, mean TBT ≤ ${slo.tbtS * 1000} ms.` : '';
    return { id: m.id, title: m.title, caption: `One point per replay. Memory binds (first admission refused or request preempted): ${binds}.${extra}`, svg };
  });
}

function short(label: string): string {
  return label.replace(/\(.*$/, '');
}

function pos(v: number | null | undefined): number | undefined {
  return typeof v === 'number' && v > 0 ? v : undefined;
}

function mapMs(v: number | null | undefined): number | undefined {
  return typeof v === 'number' && v > 0 ? v * 1000 : undefined;
}
