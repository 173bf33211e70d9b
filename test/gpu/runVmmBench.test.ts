import { describe, expect, it } from 'vitest';
import { formatVmmBench } from '../../src/gpu/formatVmmBench.js';
import { medianP90 } from '../../src/gpu/median.js';
import type { NativeBinding, NativeDeviceInfo, NativeVmmBenchOptions } from '../../src/gpu/NativeBinding.js';
import { runVmmBench } from '../../src/gpu/runVmmBench.js';

const MiB = 2 ** 20;
const info = { device: 0, name: 'Fake GPU', pciBusId: '0', driverVersion: 13000, runtimeVersion: 13000, vmmGranularityBytes: 2 * MiB } as NativeDeviceInfo;

/** A binding whose bench returns known per-call times, so the arithmetic can be checked by hand. */
function fakeBinding(asked: NativeVmmBenchOptions[]): NativeBinding {
  const f = (n: number, v: number) => Float64Array.from({ length: n }, (_, i) => v + (i % 3)); // v, v+1, v+2, ...
  return {
    memInfo: () => ({ freeBytes: 64 * 1024 * MiB, totalBytes: 80 * 1024 * MiB }),
    vmmBench: (o: NativeVmmBenchOptions) => {
      asked.push(o);
      const runs = Math.floor(o.pages / o.runPages);
      return {
        createUs: f(o.pages, 8), mapUs: f(o.pages, 1), setAccessSingleUs: f(o.pages, 20), unmapSingleUs: f(o.pages, 15),
        remapUs: f(o.pages, 1), setAccessBatchedUs: f(runs, 20 * o.runPages), unmapBatchedUs: new Float64Array(0),
        unmapBatchedError: 'cuMemUnmap(...) failed', releaseUs: f(o.pages, 10), cudaMallocUs: f(o.mallocPages, 40),
        cudaFreeUs: f(o.mallocPages, 30), freeBytesBefore: 5, freeBytesAfter: 5,
      };
    },
  } as unknown as NativeBinding;
}

describe('runVmmBench / formatVmmBench (arithmetic, no GPU)', () => {
  it('medianP90 is the middle value (mean of the two middles) and the nearest-rank p90', () => {
    expect(medianP90([3, 1, 2])).toEqual({ median: 2, p90: 3, n: 3 });
    expect(medianP90([4, 1, 3, 2]).median).toBe(2.5);
    expect(Number.isNaN(medianP90([]).median)).toBe(true);
  });

  it('sizes each page size from the byte budget, takes medians, and derives GB/s from map + setAccess', () => {
    const asked: NativeVmmBenchOptions[] = [];
    const r = runVmmBench(fakeBinding(asked), info, { pageSizesMiB: [2, 32], bytesPerSize: 256 * MiB, minPages: 64, runPages: 16, overlap: false });
    expect(asked.map((a) => a.pages)).toEqual([128, 64]); // 256 MiB / 2 MiB; 256/32 = 8 -> minPages 64
    const row = r.rows[0];
    expect(row.map.medianUs).toBe(2); // 1,2,3,1,2,3,... median 2
    expect(row.setAccessSingle.medianUs).toBe(21);
    expect(row.setAccessBatched.perPageUs).toBeCloseTo(321 / 16); // 320,321,322,... over 8 runs
    expect(row.mapBandwidthSingleGBs).toBeCloseTo((2 * MiB) / (23 * 1e3));
    expect(row.unmapBatched).toBeNull();
    expect(row.unmapBatchedError).toMatch(/cuMemUnmap/);
    const text = formatVmmBench(r);
    expect(text).toMatch(/Fake GPU, driver 13\.0/);
    expect(text).toMatch(/ 2 MiB +128 /);
    expect(text).toMatch(/refused/);
    expect(text).toMatch(/leak check: free memory unchanged/);
  });

  it('refuses a page size that is not a multiple of the device granularity', () => {
    expect(() => runVmmBench(fakeBinding([]), info, { pageSizesMiB: [3] })).toThrow(/granularity/);
  });
});
