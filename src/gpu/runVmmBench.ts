import { checkInt } from '../errors.js';
import { medianP90 } from './median.js';
import type { NativeBinding, NativeDeviceInfo } from './NativeBinding.js';
import { nativeCall } from './nativeCall.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** Options of {@link runVmmBench}. */
export interface VmmBenchOptions {
  /**
   * CUDA device ordinal.
   * @defaultValue 0
   */
  device?: number;
  /**
   * Page sizes to measure, MiB (multiples of the 2 MiB granularity).
   * @defaultValue [2, 4, 8, 32]
   */
  pageSizesMiB?: number[];
  /**
   * Bytes of pages created per page size (at least `minPages` pages, at most half the free memory).
   * @defaultValue 4 GiB
   */
  bytesPerSize?: number;
  /**
   * Fewest pages per size, so the median stands on many calls.
   * @defaultValue 128
   */
  minPages?: number;
  /**
   * Contiguous pages per batched cuMemSetAccess / cuMemUnmap call.
   * @defaultValue 16
   */
  runPages?: number;
  /**
   * Also measure whether the mapping thread hides mapping behind GPU work (Llama-3-8B shape: 64 buffers).
   * @defaultValue true
   */
  overlap?: boolean;
}

/** Median (and p90) per-call latency, microseconds. */
export interface CallLatency {
  medianUs: number;
  p90Us: number;
  calls: number;
}

export interface VmmBenchRow {
  pageSizeBytes: number;
  pages: number;
  runPages: number;
  create: CallLatency;
  map: CallLatency;
  setAccessSingle: CallLatency;
  /** One call per run of `runPages` pages; `perPageUs` divides its median by runPages. */
  setAccessBatched: CallLatency & { perPageUs: number };
  unmapSingle: CallLatency;
  /** null when the driver refused to unmap a range spanning several mappings (error says why). */
  unmapBatched: (CallLatency & { perPageUs: number }) | null;
  unmapBatchedError?: string;
  release: CallLatency;
  cudaMalloc: CallLatency;
  cudaFree: CallLatency;
  /** pageSize / (map + setAccess), medians, one page at a time. */
  mapBandwidthSingleGBs: number;
  /** pageSize / (map + batched setAccess per page). */
  mapBandwidthBatchedGBs: number;
  /** Device free memory after minus before this size's run (0 = nothing leaked). */
  freeBytesDelta: number;
}

export interface VmmOverlapResult {
  buffers: number;
  groups: number;
  pageSizeBytes: number;
  busyBytes: number;
  /** Memsets of busyBytes per rep (chosen so GPU work lasts about as long as the mapping). */
  memsets: number;
  /** GPU work alone (async memsets, waited for). */
  busyUs: number;
  /** Mapping `groups` page groups synchronously, GPU idle. */
  mapSyncUs: number;
  /** Both, with the maps queued on the mapping thread while the memset runs. */
  overlappedUs: number;
  /** Until the mapping thread finished, GPU work running meanwhile (vs mapSyncUs: how much GPU work slows mapping). */
  mapWhileBusyUs: number;
  /** Time for the JS-side thread to queue every map (what the caller stalls for). */
  enqueueUs: number;
  /** 1 - overlapped / (busy + mapSync): the share of the serial time saved. */
  savedFraction: number;
}

export interface VmmBenchReport {
  schema: 'kvsim.vmmBench/1';
  card: string;
  pciBusId: string;
  driverVersion: number;
  runtimeVersion: number;
  vmmGranularityBytes: number;
  dateUtc: string;
  rows: VmmBenchRow[];
  overlap: VmmOverlapResult | null;
  /** Device free memory before and after the whole bench (after - before; 0 = no leak). */
  freeBytesBefore: number;
  freeBytesAfter: number;
}

/** Measures per-call VMM latency for each page size on a real device (see `kvsim gpu bench vmm`). */
export function runVmmBench(binding: NativeBinding, info: NativeDeviceInfo, options: VmmBenchOptions = {}): VmmBenchReport {
  const device = checkInt('bench vmm device', options.device ?? info.device, 0, 1023);
  const sizes = options.pageSizesMiB ?? [2, 4, 8, 32];
  sizes.forEach((m, i) => {
    checkInt(`bench vmm pageSizesMiB[${i}]`, m, 2, 1024);
    if ((m * MiB) % info.vmmGranularityBytes !== 0) {
      throw new RangeError(`bench vmm: page size ${m} MiB is not a multiple of the device granularity ${info.vmmGranularityBytes}`);
    }
  });
  const bytesPerSize = checkInt('bench vmm bytesPerSize', options.bytesPerSize ?? 4 * GiB, 2 * MiB);
  const minPages = checkInt('bench vmm minPages', options.minPages ?? 128, 1, 1 << 20);
  const runPages = checkInt('bench vmm runPages', options.runPages ?? 16, 2, 1 << 16);
  const before = nativeCall(() => binding.memInfo(device));
  const rows: VmmBenchRow[] = [];
  for (const m of sizes) {
    const pageBytes = m * MiB;
    const budget = Math.floor(before.freeBytes / 2);
    const pages = Math.max(runPages, Math.min(Math.max(minPages, Math.floor(bytesPerSize / pageBytes)), Math.floor(budget / pageBytes)));
    const r = nativeCall(() => binding.vmmBench({ device, pageBytes, pages, runPages, mallocPages: Math.min(pages, 256) }));
    const lat = (xs: Float64Array): CallLatency => {
      const s = medianP90(xs);
      return { medianUs: s.median, p90Us: s.p90, calls: s.n };
    };
    const setB = lat(r.setAccessBatchedUs);
    const unB = r.unmapBatchedUs.length > 0 ? lat(r.unmapBatchedUs) : null;
    const map = lat(r.mapUs);
    const setS = lat(r.setAccessSingleUs);
    const remap = lat(r.remapUs);
    rows.push({
      pageSizeBytes: pageBytes,
      pages,
      runPages,
      create: lat(r.createUs),
      map,
      setAccessSingle: setS,
      setAccessBatched: { ...setB, perPageUs: setB.medianUs / runPages },
      unmapSingle: lat(r.unmapSingleUs),
      unmapBatched: unB ? { ...unB, perPageUs: unB.medianUs / runPages } : null,
      ...(r.unmapBatchedError ? { unmapBatchedError: r.unmapBatchedError } : {}),
      release: lat(r.releaseUs),
      cudaMalloc: lat(r.cudaMallocUs),
      cudaFree: lat(r.cudaFreeUs),
      mapBandwidthSingleGBs: pageBytes / ((map.medianUs + setS.medianUs) * 1e3),
      mapBandwidthBatchedGBs: pageBytes / ((remap.medianUs + setB.medianUs / runPages) * 1e3),
      freeBytesDelta: r.freeBytesAfter - r.freeBytesBefore,
    });
  }
  let overlap: VmmOverlapResult | null = null;
  if (options.overlap ?? true) {
    const buffers = 64;
    const groups = 16;
    const pageSizeBytes = 2 * MiB;
    const busyBytes = Math.min(2 * GiB, Math.floor(before.freeBytes / 4));
    const o = nativeCall(() => binding.vmmOverlapBench({ device, pageBytes: pageSizeBytes, buffers, groups, busyBytes, reps: 9 }));
    const busyUs = medianP90(o.busyUs).median;
    const mapSyncUs = medianP90(o.mapSyncUs).median;
    const overlappedUs = medianP90(o.overlappedUs).median;
    overlap = {
      buffers,
      groups,
      pageSizeBytes,
      busyBytes,
      memsets: o.memsets,
      busyUs,
      mapSyncUs,
      overlappedUs,
      mapWhileBusyUs: medianP90(o.flushUs).median,
      enqueueUs: medianP90(o.enqueueUs).median,
      savedFraction: 1 - overlappedUs / (busyUs + mapSyncUs),
    };
  }
  const after = nativeCall(() => binding.memInfo(device));
  return {
    schema: 'kvsim.vmmBench/1',
    card: info.name,
    pciBusId: info.pciBusId,
    driverVersion: info.driverVersion,
    runtimeVersion: info.runtimeVersion,
    vmmGranularityBytes: info.vmmGranularityBytes,
    dateUtc: new Date().toISOString(),
    rows,
    overlap,
    freeBytesBefore: before.freeBytes,
    freeBytesAfter: after.freeBytes,
  };
}
