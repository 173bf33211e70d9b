import { UserError, checkInt, checkNumber, expected } from '../../errors.js';
import type { ModelSpec } from '../model/ModelSpec.js';
import type { KvBudgetOptions } from './kvBudget.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Page sizes below 2 MiB. vAttention reaches them only through the authors' modified NVIDIA UVM
 * driver (vattention/uvmInternal.h, do_cuda_uvm_init asserts 64, 128 or 256 KiB); any other page
 * size goes through the stock CUDA path, which asserts page size = granularity (2 MiB).
 */
export const SMALL_PAGE_BYTES: readonly number[] = [64 * KiB, 128 * KiB, 256 * KiB];

/**
 * vAttention's limit on request slots: vattention/vattention.cu, init_kvcache,
 * `assert(max_batch_size_ > 0 && max_batch_size_ < 1000)`.
 */
export const VATTENTION_MAX_BATCH_LIMIT = 999;

/**
 * Default slots: sarathi-lean passes `max_num_seqs` as vAttention's max_batch_size
 * (sarathi/engine/arg_utils.py, create_engine_configs: CacheConfig(max_batch_size=self.max_num_seqs)),
 * whose default there is 256 (EngineArgs.max_num_seqs), as in vLLM and kvsim's scheduler.
 */
export const DEFAULT_VATTENTION_MAX_BATCH = 256;

/** Background-step limits of vattention/vattention.cu, do_kvcache_memory_management. */
export const EAGER_NUM_STEPS = 10;
export const EAGER_NUM_KVBLOCKS = 2;

/** vAttention options (Prabhu et al., ASPLOS '25; github.com/microsoft/vattention). */
export interface VAttentionOptions extends KvBudgetOptions {
  /**
   * Physical page size: 2 MiB (stock CUDA driver: vattention/cudaInternal.h do_cuda_default_init
   * asserts page size = granularity); 64, 128 or 256 KiB (the authors' modified UVM driver, whose
   * per-call cost kvsim has not measured: needs {@link assumePageCostS}); a larger multiple of 2 MiB
   * is a kvsim extension (vAttention itself refuses it; kvsim's GPU backend maps such handles), priced
   * at the measured flat per-call cost.
   * @defaultValue 2 MiB
   */
  pageSizeBytes?: number;
  /**
   * 'perLayer': 2L virtual buffers, K and V of every attention layer (one page in each per group).
   * 'megacache': one K and one V buffer spanning all layers, token-major with the layers inside a
   * token (vattention.cu alloc_virtual_tensor: shape [batch, context, L, Hkv, D]), so one page holds
   * pageSize / (Hkv*D*b*L) tokens of every layer and a group is 2 pages.
   * @defaultValue 'perLayer'
   */
  layout?: 'perLayer' | 'megacache';
  /**
   * Request slots: vAttention's max_batch_size, i.e. the serving framework's max_num_seqs. Must be
   * below 1000 ({@link VATTENTION_MAX_BATCH_LIMIT}).
   * @defaultValue 256 ({@link DEFAULT_VATTENTION_MAX_BATCH})
   */
  maxBatch?: number;
  /**
   * Tokens each slot's virtual region is sized for (vAttention's max_context_length).
   * @defaultValue model.maxContextTokens
   */
  maxContextTokens?: number;
  /**
   * Fraction of the page groups a new request must leave free (sarathi-lean
   * vattention_block_space_manager.py, can_allocate: free - promised - required >= watermark_blocks,
   * watermark_blocks = int(watermark * num_gpu_blocks)). Growth may use it.
   * @defaultValue 0.01
   */
  watermark?: number;
  /**
   * Page groups each running request keeps mapped beyond its need (a kvsim extension, not in
   * vAttention). Best effort: taken only from free pages, never by reclaiming.
   * @defaultValue 0
   */
  eagerPages?: number;
  /**
   * Steps the background thread looks ahead: it maps what a request needs `step` tokens from now for
   * step = 1 (every request), then 2 .. eagerSteps - 1 until {@link eagerGroupsPerStep} groups were
   * mapped in this step (vattention.cu do_kvcache_memory_management, EAGER_NUM_STEPS). 1 maps only
   * the next token's group.
   * @defaultValue 10
   */
  eagerSteps?: number;
  /**
   * Page groups after which the background thread's eager loop stops (EAGER_NUM_KVBLOCKS).
   * @defaultValue 2
   */
  eagerGroupsPerStep?: number;
  /**
   * true (vAttention's deferred_reclaim): a finished request's pages stay mapped in its slot for the
   * next request and are unmapped only on demand. false: with 'overlapped' mapping the background
   * thread unmaps one group per step from the highest free slot when nothing had to be mapped
   * (vattention.cu do_reclaim_pages); with 'sync' a free slot's pages are unmapped at once
   * (step_sync with eager_reclaim, as vATTN_cache_engine.step calls it).
   * @defaultValue true with 'overlapped', false with 'sync'
   */
  deferredReclamation?: boolean;
  /**
   * 'overlapped': step_async — a background thread computes the next iteration's needs, reclaims
   * and maps ahead while the GPU computes; only what an iteration needs that was not mapped ahead
   * (a new prompt's pages) is mapped synchronously. 'sync': step_sync — everything on the critical
   * path.
   * @defaultValue 'overlapped'
   */
  mapping?: 'overlapped' | 'sync';
  /**
   * Seconds per map call with 64/128/256 KiB pages (one vattn_mem_map ioctl per K or V page). kvsim
   * has no measurement of the modified driver and the paper gives no per-call figure for it, so small
   * pages are refused unless this assumption is given (labelled assumed in outputs). Unmapping costs
   * nothing on that path: UNMAP_PAGES (vattention/mux.h) returns UVM pages to the pool with no
   * driver call. Ignored for pages of 2 MiB and more, which use the measured costs.
   * @defaultValue undefined (refuse small pages)
   */
  assumePageCostS?: number;
}

export interface ResolvedVAttentionOptions {
  pageSizeBytes: number;
  layout: 'perLayer' | 'megacache';
  maxBatch: number;
  /** The scheduler's max_num_seqs when it exceeded vAttention's limit and maxBatch was capped (for the label). */
  maxBatchCappedFrom: number | undefined;
  maxContextTokens: number;
  watermark: number;
  eagerPages: number;
  eagerSteps: number;
  eagerGroupsPerStep: number;
  deferredReclamation: boolean;
  mapping: 'overlapped' | 'sync';
  assumePageCostS: number | undefined;
  gpuMemoryUtilization: number;
  activationReserveBytes: number | undefined;
}

/** Whether kvsim's vAttention accepts this page size (small, 2 MiB, or a multiple of 2 MiB). */
export function isVAttentionPageSize(bytes: number): boolean {
  return SMALL_PAGE_BYTES.includes(bytes) || (Number.isInteger(bytes) && bytes > 0 && bytes % (2 * MiB) === 0);
}

/** Fills defaults and validates (messages name the option). */
export function resolveVAttentionOptions(options: VAttentionOptions = {}, model: ModelSpec, schedulerMaxNumSeqs?: number): ResolvedVAttentionOptions {
  const pageSizeBytes = options.pageSizeBytes ?? 2 * MiB;
  if (!isVAttentionPageSize(pageSizeBytes)) {
    throw expected('64 KiB, 128 KiB, 256 KiB or a multiple of 2 MiB (in bytes)', 'pageSizeBytes', pageSizeBytes);
  }
  const layout = options.layout ?? 'perLayer';
  if (layout !== 'perLayer' && layout !== 'megacache') throw expected('"perLayer" or "megacache"', 'layout', layout);
  const mapping = options.mapping ?? 'overlapped';
  if (mapping !== 'overlapped' && mapping !== 'sync') throw expected('"overlapped" or "sync"', 'mapping', mapping);
  const deferred = options.deferredReclamation ?? mapping === 'overlapped';
  if (typeof deferred !== 'boolean') throw expected('a boolean', 'deferredReclamation', deferred);
  // Slots follow the scheduler's max_num_seqs (sarathi-lean: max_batch_size = max_num_seqs), within
  // vattention.cu's limit: vLLM V1's 1024 on an H100 becomes 999 (the label says so).
  const maxBatch = options.maxBatch ?? (schedulerMaxNumSeqs === undefined ? DEFAULT_VATTENTION_MAX_BATCH : Math.min(schedulerMaxNumSeqs, VATTENTION_MAX_BATCH_LIMIT));
  if (!(Number.isInteger(maxBatch) && maxBatch >= 1 && maxBatch <= VATTENTION_MAX_BATCH_LIMIT)) {
    throw expected(`an integer from 1 to ${VATTENTION_MAX_BATCH_LIMIT} (vAttention asserts max_batch_size < 1000)`, 'maxBatch', maxBatch);
  }
  const assume = options.assumePageCostS;
  if (assume !== undefined) checkNumber('assumePageCostS', assume, 0, 1);
  if (SMALL_PAGE_BYTES.includes(pageSizeBytes) && assume === undefined) {
    throw new UserError(
      'UNMEASURED_PAGE_COST',
      `vattention: ${pageSizeBytes / KiB} KiB pages need the vAttention authors' modified UVM driver, whose per-call map cost kvsim has not ` +
        `measured and the paper does not state; pass assumePageCostS (CLI --assume-page-cost, microseconds) to price them as an assumption`,
    );
  }
  return {
    pageSizeBytes,
    layout,
    maxBatch,
    maxBatchCappedFrom: options.maxBatch === undefined && schedulerMaxNumSeqs !== undefined && schedulerMaxNumSeqs > maxBatch ? schedulerMaxNumSeqs : undefined,
    maxContextTokens: checkInt('maxContextTokens', options.maxContextTokens ?? model.maxContextTokens, 1),
    watermark: checkNumber('watermark', options.watermark ?? 0.01, 0, 1),
    eagerPages: checkInt('eagerPages', options.eagerPages ?? 0, 0, 1 << 20),
    eagerSteps: checkInt('eagerSteps', options.eagerSteps ?? (mapping === 'overlapped' ? EAGER_NUM_STEPS : 0), 0, 1 << 20),
    eagerGroupsPerStep: checkInt('eagerGroupsPerStep', options.eagerGroupsPerStep ?? EAGER_NUM_KVBLOCKS, 0, 1 << 20),
    deferredReclamation: deferred,
    mapping,
    assumePageCostS: assume,
    gpuMemoryUtilization: checkNumber('gpuMemoryUtilization', options.gpuMemoryUtilization ?? 0.9, 0.01, 1),
    activationReserveBytes: options.activationReserveBytes,
  };
}
