import type { Chart } from '../Chart.js';
import { decimate } from '../decimate.js';
import { lineChart } from '../lineChart.js';
import { MEMORY_COLORS } from '../palette.js';
import { byteUnit, formatBytes } from '../units.js';
import type { RunResult } from '../../sim/metrics/RunResult.js';

/**
 * Memory of one run over time: bytes holding live tokens/state, bytes physically allocated, bytes
 * reserved (virtual or static), with the policy's capacity as a reference line. The gap between the
 * lines is what each policy wastes.
 */
export function memoryOverTimeChart(run: RunResult, label: string, id: string, maxPoints: number): Chart {
  const it = run.iterations;
  const capacity = run.summary.capacityBytes;
  const peak = Math.max(capacity, run.summary.peakReservedBytes, run.summary.peakAllocatedBytes);
  const unit = byteUnit(peak);
  const buckets = Math.max(1, Math.floor(maxPoints / 4));
  const svg = lineChart({
    id,
    title: `Memory over time — ${label}`,
    xLabel: 'simulated time (s)',
    yLabel: `memory (${unit.label})`,
    yDivisor: unit.divisor,
    step: true,
    series: [
      { label: 'allocated (physical)', color: MEMORY_COLORS.allocated, points: decimate(it.startS, it.allocatedBytes, buckets) },
      { label: 'live (tokens / state in use)', color: MEMORY_COLORS.live, points: decimate(it.startS, it.liveBytes, buckets) },
      // Drawn last and dashed: for paged and static it coincides with allocated and must not hide it.
      { label: 'reserved (virtual or static)', color: MEMORY_COLORS.reserved, dash: '6 3', points: decimate(it.startS, it.reservedBytes, buckets) },
    ],
    rules: capacity > 0 ? [{ axis: 'y', value: capacity, label: `capacity ${formatBytes(capacity)}` }] : [],
  });
  const stride =
    it.startS.length === 0
      ? ' This run kept no per-iteration records (replay it with --json to keep them), so only its peaks are known.'
      : it.stride > 1
        ? ` Iterations were recorded every ${it.stride}th.`
        : '';
  return {
    id,
    title: `Memory over time — ${label}`,
    caption:
      `${run.config.model} on ${run.config.gpu} (TP ${run.config.tp}), trace ${run.config.trace}: peak live ${formatBytes(run.summary.peakLiveBytes)}, ` +
      `peak allocated ${formatBytes(run.summary.peakAllocatedBytes)}, peak reserved ${formatBytes(run.summary.peakReservedBytes)}.${stride}`,
    svg,
  };
}
