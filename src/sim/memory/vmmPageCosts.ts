import { UserError } from '../../errors.js';
import type { HardwareSpec } from '../hardware/HardwareSpec.js';

/** Modelled time of the VMM calls for one physical page of `pageSizeBytes`, seconds. */
export interface VmmPageCosts {
  /** Mapping one page into a virtual buffer (stock driver: cuMemMap + cuMemSetAccess). */
  mapS: number;
  /** Unmapping one page. */
  unmapS: number;
  /** Creating one page: paid once, when the pool is reserved up front, never in steady state. */
  createS: number;
  /** 'measured' (the hardware's VMM figures) or 'assumed' (the caller's assumePageCostS). */
  basis: 'measured' | 'assumed';
}

/**
 * Per-page VMM costs at a page size.
 * - 2 MiB and larger (stock driver path): the measured per-call cost, flat — not scaled with the
 *   page size. kvsim measured each call at 2, 4, 8 and 32 MiB on H100 (profiles/h100-sxm-80gb/vmm.json,
 *   `kvsim gpu bench vmm`, 2026-11-26): cuMemSetAccess 31.9 / 31.9 / 31.1 / 30.3 µs, cuMemMap
 *   1.5 / 1.2 / 1.1 / 1.1 µs, cuMemUnmap 22.2 / 21.8 / 21.5 / 20.8 µs — per call, whatever the size.
 * - 64/128/256 KiB (the authors' modified UVM driver; vattention/uvmInternal.h): not measured here,
 *   so the caller must give `assumePageCostS` per map call (one vattn_mem_map ioctl per page); unmap
 *   is free on that path (vattention/mux.h UNMAP_PAGES returns the page to the pool with no driver
 *   call) and creation happens once at reserve time (not priced).
 */
export function vmmPageCosts(hardware: HardwareSpec, pageSizeBytes: number, assumePageCostS?: number): VmmPageCosts {
  const vmm = hardware.vmm;
  if (pageSizeBytes >= vmm.granularityBytes) {
    return { mapS: vmm.mapS + vmm.setAccessS, unmapS: vmm.unmapS, createS: vmm.createS, basis: 'measured' };
  }
  if (assumePageCostS === undefined) {
    throw new UserError('UNMEASURED_PAGE_COST', `vattention: no measured VMM cost for ${pageSizeBytes}-byte pages on ${hardware.name}; pass assumePageCostS`);
  }
  return { mapS: assumePageCostS, unmapS: 0, createS: 0, basis: 'assumed' };
}
