import type { HardwareSpec } from '../hardware/HardwareSpec.js';

/** Modelled time of the CUDA VMM calls for one physical page of `pageSizeBytes`, seconds. */
export interface VmmPageCosts {
  /** cuMemMap + cuMemSetAccess: what mapping one page into a virtual buffer costs. */
  mapS: number;
  /** cuMemUnmap of one page. */
  unmapS: number;
  /** cuMemCreate of one page: paid once, when the pool is created up front, never in steady state. */
  createS: number;
}

/**
 * Per-page VMM costs at a page size, from the hardware's measurement at `vmm.measuredPageBytes`
 * (2 MiB, the stock granularity). Scaling is an assumption, stated here because nothing measured it:
 * - smaller pages (64/128/256 KiB, only with the vAttention authors' modified driver) cost the same
 *   per call as a 2 MiB page: the calls are dominated by driver entry and page-table/TLB work per
 *   call, not by bytes (vAttention reports ~40 µs per map+setAccess whatever the page), so small
 *   pages make allocation work per byte proportionally dearer;
 * - larger pages (multiples of 2 MiB) cost as many measured-size calls as they contain (linear),
 *   a pessimistic bound: one call mapping 4 MiB does at most twice a 2 MiB call's work.
 */
export function vmmPageCosts(hardware: HardwareSpec, pageSizeBytes: number): VmmPageCosts {
  const vmm = hardware.vmm;
  const scale = Math.max(1, pageSizeBytes / vmm.measuredPageBytes);
  return {
    mapS: (vmm.mapS + vmm.setAccessS) * scale,
    unmapS: vmm.unmapS * scale,
    createS: vmm.createS * scale,
  };
}
