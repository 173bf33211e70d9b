import { checkInt, expected, InvalidOptionError } from '../errors.js';
import type { NativeBinding, NativeVmmArena, NativeVmmDeviceView, NativeVmmStats } from './NativeBinding.js';
import { nativeCall } from './nativeCall.js';
import { resolveVmmArenaOptions, type ResolvedVmmArenaOptions, type VmmArenaOptions } from './VmmArenaOptions.js';

/** The fields of a vAttention policy that size an arena (VAttentionPolicy has them all). */
export interface VmmLayout {
  buffers: number;
  maxBatch: number;
  slotBytesPerBuffer: number;
  pageSizeBytes: number;
  poolGroups: number;
}

/**
 * Real CUDA virtual memory laid out as vAttention does: `buffers` (2L) virtual buffers reserved with
 * cuMemAddressReserve, each `slots * slotBytes`; slot r owns [r*S, (r+1)*S) of every buffer; physical
 * pages from a pool are mapped and unmapped at slot offsets. Page indices are per slot, and every
 * map/unmap covers the same pages in all buffers (a page group each).
 *
 * Every argument is checked here before the addon sees it; CUDA failures surface as CudaCallError.
 * Call {@link destroy} when done: it unmaps, releases every page and frees the address ranges.
 */
export class VmmArena {
  readonly options: ResolvedVmmArenaOptions;
  private native: NativeVmmArena | null;

  constructor(binding: NativeBinding, options: VmmArenaOptions, freeMemoryBytes?: number) {
    const o = (this.options = resolveVmmArenaOptions(options));
    if (o.physicalPages === 'upfront' && freeMemoryBytes !== undefined && o.poolPages * o.pageSizeBytes > freeMemoryBytes) {
      throw new InvalidOptionError(
        `VmmArena: poolPages=${o.poolPages} x ${o.pageSizeBytes} bytes = ${o.poolPages * o.pageSizeBytes} bytes exceeds the device's free memory (${freeMemoryBytes} bytes)`,
      );
    }
    this.native = nativeCall(
      () =>
        new binding.VmmArena({
          device: o.device,
          buffers: o.buffers,
          slots: o.slots,
          slotBytes: o.slotBytes,
          pageBytes: o.pageSizeBytes,
          poolPages: o.poolPages,
          onDemand: o.physicalPages === 'onDemand',
          batchedAccess: o.batchedAccess,
          background: o.backgroundThread,
        }),
    );
  }

  /** An arena shaped like `layout` (a VAttentionPolicy): same buffers, slots, slot size, page size, pool. */
  static forLayout(binding: NativeBinding, layout: VmmLayout, options: Partial<VmmArenaOptions> = {}, freeMemoryBytes?: number): VmmArena {
    return new VmmArena(
      binding,
      {
        ...options,
        buffers: layout.buffers,
        slots: layout.maxBatch,
        slotBytes: layout.slotBytesPerBuffer,
        pageSizeBytes: layout.pageSizeBytes,
        poolPages: layout.poolGroups * layout.buffers,
      },
      freeMemoryBytes,
    );
  }

  get pageSizeBytes(): number {
    return this.options.pageSizeBytes;
  }

  /** Maps pages [firstPage, firstPage+count) of `slot` in every buffer, now (after queued work). */
  mapPages(slot: number, firstPage: number, count: number): void {
    this.checkRun('mapPages', slot, firstPage, count);
    const n = this.live();
    nativeCall(() => n.map(slot, firstPage, count));
  }

  /** Unmaps pages [firstPage, firstPage+count) of `slot` in every buffer, now (after queued work). */
  unmapPages(slot: number, firstPage: number, count: number): void {
    this.checkRun('unmapPages', slot, firstPage, count);
    const n = this.live();
    nativeCall(() => n.unmap(slot, firstPage, count));
  }

  /** Queues a map on the mapping thread; returns at once. Failures surface at {@link flush}. */
  enqueueMap(slot: number, firstPage: number, count: number): void {
    this.checkRun('enqueueMap', slot, firstPage, count);
    const n = this.live();
    nativeCall(() => n.enqueueMap(slot, firstPage, count));
  }

  /** Queues an unmap on the mapping thread; returns at once. */
  enqueueUnmap(slot: number, firstPage: number, count: number): void {
    this.checkRun('enqueueUnmap', slot, firstPage, count);
    const n = this.live();
    nativeCall(() => n.enqueueUnmap(slot, firstPage, count));
  }

  /** Waits until queued work is done; throws the first failure the mapping thread met. */
  flush(): void {
    const n = this.live();
    nativeCall(() => n.flush());
  }

  /** What the driver says is mapped, queried page address by page address (after a flush). */
  queryDevice(): NativeVmmDeviceView {
    const n = this.live();
    return nativeCall(() => n.queryDevice());
  }

  /**
   * Writes `byte` over the run through the device and reads back the first and last word of every
   * page in every buffer; returns the number of words that disagreed (0 = mapped and accessible).
   */
  verifyAccess(slot: number, firstPage: number, count: number, byte = 0x5a): number {
    this.checkRun('verifyAccess', slot, firstPage, count);
    checkInt('VmmArena.verifyAccess byte', byte, 0, 255);
    const n = this.live();
    return nativeCall(() => n.verifyAccess(slot, firstPage, count, byte));
  }

  /** Device address of buffer `buffer` (2*layer for K, 2*layer+1 for V, by convention). */
  bufferAddress(buffer: number): bigint {
    checkInt('VmmArena.bufferAddress buffer', buffer, 0, this.options.buffers - 1);
    const n = this.live();
    return nativeCall(() => n.bufferAddress(buffer));
  }

  /** The arena's own bookkeeping (after a flush). */
  counters(): { pagesPerSlot: number; mappedPages: number; createdPages: number; freePoolPages: number } {
    const n = this.live();
    return nativeCall(() => n.counters());
  }

  /** Cumulative driver calls and the seconds spent inside them. */
  stats(): NativeVmmStats {
    const n = this.live();
    return nativeCall(() => n.stats());
  }

  get destroyed(): boolean {
    return this.native === null;
  }

  /** Unmaps and releases every page and frees the address ranges. Idempotent. */
  destroy(): void {
    const n = this.native;
    if (!n) return;
    this.native = null;
    nativeCall(() => n.destroy());
  }

  private live(): NativeVmmArena {
    if (!this.native) throw new InvalidOptionError('VmmArena: used after destroy()');
    return this.native;
  }

  private checkRun(call: string, slot: number, firstPage: number, count: number): void {
    const o = this.options;
    checkInt(`VmmArena.${call} slot`, slot, 0, o.slots - 1);
    checkInt(`VmmArena.${call} firstPage`, firstPage, 0, o.pagesPerSlot - 1);
    checkInt(`VmmArena.${call} count`, count, 1, o.pagesPerSlot);
    if (firstPage + count > o.pagesPerSlot) {
      throw expected(`firstPage + count <= pagesPerSlot (${o.pagesPerSlot})`, `VmmArena.${call} count`, count);
    }
  }
}
