import { formatCudaVersion } from './gpuAvailability.js';
import type { VmmBenchReport } from './runVmmBench.js';

const MiB = 1024 * 1024;

/** The bench report as a fixed-width text table (what `kvsim gpu bench vmm` prints). */
export function formatVmmBench(r: VmmBenchReport): string {
  const f = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(1));
  const lines: string[] = [];
  lines.push(`VMM per-call latency, median us (${r.card}, driver ${formatCudaVersion(r.driverVersion)}, runtime ${formatCudaVersion(r.runtimeVersion)}, ${r.dateUtc})`);
  const head = ['page', 'pages', 'create', 'map', 'setAcc1', 'setAccB/pg', 'unmap1', 'unmapB/pg', 'release', 'cudaMalloc', 'GB/s 1', 'GB/s B'];
  const rows = r.rows.map((x) => [
    `${x.pageSizeBytes / MiB} MiB`,
    String(x.pages),
    f(x.create.medianUs),
    f(x.map.medianUs),
    f(x.setAccessSingle.medianUs),
    f(x.setAccessBatched.perPageUs),
    f(x.unmapSingle.medianUs),
    x.unmapBatched ? f(x.unmapBatched.perPageUs) : 'refused',
    f(x.release.medianUs),
    f(x.cudaMalloc.medianUs),
    x.mapBandwidthSingleGBs.toFixed(0),
    x.mapBandwidthBatchedGBs.toFixed(0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  lines.push(fmt(head));
  for (const row of rows) lines.push(fmt(row));
  lines.push(`B = one call per run of ${r.rows[0]?.runPages ?? '-'} contiguous pages; GB/s = page size / (map + setAccess)`);
  if (r.overlap) {
    const o = r.overlap;
    lines.push(
      `overlap: ${o.groups} page groups x ${o.buffers} buffers (2 MiB): map alone ${f(o.mapSyncUs)} us, GPU work alone ${f(o.busyUs)} us, ` +
        `both via mapping thread ${f(o.overlappedUs)} us (${(o.savedFraction * 100).toFixed(0)}% of serial saved; mapping took ${f(o.mapWhileBusyUs)} us ` +
        `while the GPU was busy; caller stalled ${f(o.enqueueUs)} us)`,
    );
  }
  lines.push(`leak check: free memory ${r.freeBytesAfter - r.freeBytesBefore === 0 ? 'unchanged' : `changed by ${r.freeBytesAfter - r.freeBytesBefore} bytes`} across the bench`);
  return lines.join('\n');
}
