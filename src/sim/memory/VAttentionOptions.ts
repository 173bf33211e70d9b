import { checkInt, checkNumber, expected } from '../../errors.js';
import type { ModelSpec } from '../model/ModelSpec.js';
import type { KvBudgetOptions } from './kvBudget.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Page sizes vAttention supports below 2 MiB (they need the authors' modified driver). */
export const SMALL_PAGE_BYTES: readonly number[] = [64 * KiB, 128 * KiB, 256 * KiB];

/** vAttention options (Prabhu et al., ASPLOS '25). */
export interface VAttentionOptions extends KvBudgetOptions {
  /**
   * Physical page size: 64 KiB, 128 KiB, 256 KiB (modified driver; simulator only) or a multiple
   * of 2 MiB (stock CUDA granularity).
   * @defaultValue 2 MiB
   */
  pageSizeBytes?: number;
  /**
   * Request slots, i.e. the batch dimension of the virtual KV buffers.
   * @defaultValue the largest batch physical memory could ever hold (one page group per request),
   * capped by the virtual address space, so slots never bind before memory does
   */
  maxBatch?: number;
  /**
   * Tokens each slot's virtual region is sized for.
   * @defaultValue model.maxContextTokens
   */
  maxContextTokens?: number;
  /**
   * Page groups each running request keeps mapped beyond its need (eager allocation). Best effort:
   * taken only from free pages, never by reclaiming.
   * @defaultValue 0 (map on demand; with `mapping: 'overlapped'` the background thread hides the
   * latency, which is what the paper evaluates)
   */
  eagerPages?: number;
  /**
   * Tokens past a request's length whose pages are mapped now, from free pages only (like eager
   * pages): when the next token will cross into a new page group, the group is mapped one iteration
   * early, so the background thread can map it while the GPU computes — vAttention's overlap of
   * allocation with compute. Without it every growth maps what the iteration itself needs.
   * @defaultValue 1 with `mapping: 'overlapped'`, 0 with `'sync'`
   */
  lookaheadTokens?: number;
  /**
   * Keep a finished request's pages mapped in its slot for the next request to reuse, unmapping them
   * only under memory pressure.
   * @defaultValue true
   */
  deferredReclamation?: boolean;
  /**
   * 'overlapped': a background thread maps pages while the GPU computes (stall only when it cannot
   * keep up); 'sync': mapping is on the critical path.
   * @defaultValue 'overlapped'
   */
  mapping?: 'overlapped' | 'sync';
}

export interface ResolvedVAttentionOptions {
  pageSizeBytes: number;
  /** undefined = derive from the budget (see {@link VAttentionOptions.maxBatch}). */
  maxBatch: number | undefined;
  maxContextTokens: number;
  eagerPages: number;
  lookaheadTokens: number;
  deferredReclamation: boolean;
  mapping: 'overlapped' | 'sync';
  gpuMemoryUtilization: number;
  activationReserveBytes: number | undefined;
}

/** Whether vAttention supports this page size. */
export function isVAttentionPageSize(bytes: number): boolean {
  return SMALL_PAGE_BYTES.includes(bytes) || (Number.isInteger(bytes) && bytes > 0 && bytes % (2 * MiB) === 0);
}

/** Fills defaults and validates (messages name the option). */
export function resolveVAttentionOptions(options: VAttentionOptions = {}, model: ModelSpec): ResolvedVAttentionOptions {
  const pageSizeBytes = options.pageSizeBytes ?? 2 * MiB;
  if (!isVAttentionPageSize(pageSizeBytes)) {
    throw expected('64 KiB, 128 KiB, 256 KiB or a multiple of 2 MiB (in bytes)', 'pageSizeBytes', pageSizeBytes);
  }
  const mapping = options.mapping ?? 'overlapped';
  if (mapping !== 'overlapped' && mapping !== 'sync') throw expected('"overlapped" or "sync"', 'mapping', mapping);
  const deferred = options.deferredReclamation ?? true;
  if (typeof deferred !== 'boolean') throw expected('a boolean', 'deferredReclamation', deferred);
  return {
    pageSizeBytes,
    maxBatch: options.maxBatch === undefined ? undefined : checkInt('maxBatch', options.maxBatch, 1, 0x7fffffff),
    maxContextTokens: checkInt('maxContextTokens', options.maxContextTokens ?? model.maxContextTokens, 1),
    eagerPages: checkInt('eagerPages', options.eagerPages ?? 0, 0, 1 << 20),
    lookaheadTokens: checkInt('lookaheadTokens', options.lookaheadTokens ?? (mapping === 'overlapped' ? 1 : 0), 0, 1 << 20),
    deferredReclamation: deferred,
    mapping,
    gpuMemoryUtilization: checkNumber('gpuMemoryUtilization', options.gpuMemoryUtilization ?? 0.9, 0.01, 1),
    activationReserveBytes: options.activationReserveBytes,
  };
}
