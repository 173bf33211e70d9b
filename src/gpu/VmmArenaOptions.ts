import { checkInt, expected } from '../errors.js';

const MiB = 1024 * 1024;

/** Options of a {@link VmmArena} (the vAttention layout; see DESIGN.md "Memory policies"). */
export interface VmmArenaOptions {
  /**
   * CUDA device ordinal.
   * @defaultValue 0
   */
  device?: number;
  /** Virtual buffers: 2L, the K and V buffer of every attention layer. */
  buffers: number;
  /** Request slots: the batch dimension of every buffer (maxBatch). */
  slots: number;
  /** S: bytes each slot spans in each buffer, a multiple of `pageSizeBytes`. */
  slotBytes: number;
  /**
   * Physical page size: a multiple of the device's VMM granularity (2 MiB on stock drivers).
   * @defaultValue 2 MiB
   */
  pageSizeBytes?: number;
  /** Physical pages the pool holds (all buffers together): what can be mapped at once. */
  poolPages: number;
  /**
   * 'upfront': create every physical page at construction (cuMemCreate), as vAttention does, so
   * mapping never creates; 'onDemand': create a page when it is mapped and release it when it is
   * unmapped, so the device's free memory tracks exactly what is mapped (used by the checks).
   * @defaultValue 'upfront'
   */
  physicalPages?: 'upfront' | 'onDemand';
  /**
   * One cuMemSetAccess per contiguous run of newly mapped pages (true) or one per page (false).
   * @defaultValue true
   */
  batchedAccess?: boolean;
  /**
   * Serve enqueueMap/enqueueUnmap on a background thread so mapping overlaps GPU work; when false
   * they map synchronously.
   * @defaultValue true
   */
  backgroundThread?: boolean;
}

export interface ResolvedVmmArenaOptions {
  device: number;
  buffers: number;
  slots: number;
  slotBytes: number;
  pageSizeBytes: number;
  pagesPerSlot: number;
  poolPages: number;
  physicalPages: 'upfront' | 'onDemand';
  batchedAccess: boolean;
  backgroundThread: boolean;
}

/** Fills defaults and validates every option (messages start with `VmmArena`); touches no device. */
export function resolveVmmArenaOptions(options: VmmArenaOptions): ResolvedVmmArenaOptions {
  if (typeof options !== 'object' || options === null) throw expected('an options object', 'VmmArena options', options);
  const device = checkInt('VmmArena device', options.device ?? 0, 0, 1023);
  const buffers = checkInt('VmmArena buffers', options.buffers, 1, 1 << 16);
  const slots = checkInt('VmmArena slots', options.slots, 1, 1 << 20);
  const pageSizeBytes = checkInt('VmmArena pageSizeBytes', options.pageSizeBytes ?? 2 * MiB, 1);
  if (pageSizeBytes % (2 * MiB) !== 0) {
    throw expected('a multiple of 2 MiB (the stock CUDA VMM granularity)', 'VmmArena pageSizeBytes', pageSizeBytes);
  }
  const slotBytes = checkInt('VmmArena slotBytes', options.slotBytes, pageSizeBytes);
  if (slotBytes % pageSizeBytes !== 0) {
    throw expected(`a multiple of pageSizeBytes (${pageSizeBytes})`, 'VmmArena slotBytes', slotBytes);
  }
  const pagesPerSlot = slotBytes / pageSizeBytes;
  if (pagesPerSlot > 0x7fffffff) throw expected('at most 2^31-1 pages per slot', 'VmmArena slotBytes', slotBytes);
  const maxPages = buffers * slots * pagesPerSlot;
  const poolPages = checkInt('VmmArena poolPages', options.poolPages, 0, Math.min(maxPages, 0x7fffffff));
  const physicalPages = options.physicalPages ?? 'upfront';
  if (physicalPages !== 'upfront' && physicalPages !== 'onDemand') {
    throw expected('"upfront" or "onDemand"', 'VmmArena physicalPages', physicalPages);
  }
  const batchedAccess = options.batchedAccess ?? true;
  if (typeof batchedAccess !== 'boolean') throw expected('a boolean', 'VmmArena batchedAccess', batchedAccess);
  const backgroundThread = options.backgroundThread ?? true;
  if (typeof backgroundThread !== 'boolean') throw expected('a boolean', 'VmmArena backgroundThread', backgroundThread);
  return { device, buffers, slots, slotBytes, pageSizeBytes, pagesPerSlot, poolPages, physicalPages, batchedAccess, backgroundThread };
}
