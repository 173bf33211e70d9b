import type { Chart } from '../Chart.js';
import { binnedChart } from '../binnedChart.js';
import type { SeriesBins } from '../mergeBins.js';
import { MEMORY_COLORS } from '../palette.js';
import { timeBins } from '../timeBins.js';
import { byteUnit, formatBytes } from '../units.js';
import type { RunResult } from '../../sim/metrics/RunResult.js';
import type { TimeAxis } from './timeAxis.js';

/**
 * Memory of one run over time as stacked bin means, so every part is visible and the top edge is
 * the physically allocated total: live (tokens or state in use), internal fragmentation (allocated
 * to running requests, not yet holding tokens), and idle allocated memory (held by no running
 * request: vAttention's pages kept mapped for reuse by the next request, a prefix cache's blocks).
 * The last is cached, not lost: it is given back under memory pressure. Reserved bytes (virtual or
 * static) are a dashed line, the bin maximum of allocated a thin line, capacity a rule.
 */
export function memoryOverTimeChart(run: RunResult, label: string, id: string, axis: TimeAxis): Chart {
  const it = run.iterations;
  const n = it.startS.length;
  const idle = new Array<number>(n);
  for (let i = 0; i < n; i++) idle[i] = Math.max(0, it.allocatedBytes[i] - it.liveBytes[i] - it.fragmentationBytes[i]);
  const b = timeBins(it.startS, [it.liveBytes, it.fragmentationBytes, idle, it.reservedBytes, it.allocatedBytes], axis.fineBins, [axis.startS, axis.endS]);
  const col = (k: number, mean = b.mean[k]): SeriesBins => ({ t: b.t, mean, min: b.min[k], max: b.max[k], n: b.count });
  const capacity = run.summary.capacityBytes;
  const unit = byteUnit(Math.max(capacity, axis.peakMemoryBytes));
  const policy = run.config.policy;
  const idleLabel = policy.startsWith('vattention') ? 'cached: pages kept mapped for reuse' : 'idle allocated (no running request)';
  const svg = binnedChart({
    id,
    title: `Memory over time — ${label}`,
    yLabel: `memory (${unit.label})`,
    yDivisor: unit.divisor,
    unit: unit.label,
    startS: axis.startS,
    endS: axis.endS,
    binS: b.binS,
    merge: axis.merge,
    plotHeightPx: 180,
    yMin: Math.max(capacity, axis.peakMemoryBytes),
    series: [
      { label: 'live (tokens / state)', color: MEMORY_COLORS.live, type: 'stack', bins: col(0) },
      { label: 'fragmentation (running requests)', color: '#E69F00', type: 'stack', bins: col(1) },
      { label: idleLabel, color: '#9ecae1', type: 'stack', bins: col(2) },
      { label: 'allocated, bin max', color: MEMORY_COLORS.allocated, type: 'line', envelope: false, bins: col(4, b.max[4]) },
      { label: 'reserved (virtual or static)', color: MEMORY_COLORS.reserved, dash: '6 3', type: 'line', envelope: false, bins: col(3) },
    ],
    rules: capacity > 0 ? [{ axis: 'y', value: capacity, label: `capacity ${formatBytes(capacity)}` }] : [],
  });
  const stride =
    n === 0
      ? ' This run kept no per-iteration records (replay it with --json to keep them), so only its peaks are known.'
      : it.stride > 1
        ? ` Every ${it.stride}th iteration was recorded.`
        : '';
  const s = run.summary;
  const meanOf = (xs: readonly number[]) => (xs.length ? xs.reduce((a, v) => a + v, 0) / xs.length : NaN);
  const idleNote = policy.startsWith('vattention')
    ? ` Mean cached ${formatBytes(meanOf(idle))}: mapped pages a finished request leaves in its slot for the next one (deferred reclamation), unmapped only under pressure — reuse, not waste.`
    : '';
  return {
    id,
    title: `Memory over time — ${label}`,
    caption:
      `${run.config.model} on ${run.config.gpu} (TP ${run.config.tp}), trace ${run.config.trace}: stacked ${axis.binLabel} means; ` +
      `peak live ${formatBytes(s.peakLiveBytes)}, peak allocated ${formatBytes(s.peakAllocatedBytes)}, peak reserved ${formatBytes(s.peakReservedBytes)}.${idleNote}${stride}`,
    svg,
    wide: true,
  };
}
