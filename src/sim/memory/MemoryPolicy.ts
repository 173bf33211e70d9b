import type { PrefixKeys } from './PrefixKeys.js';

/**
 * The contract between the scheduler (same object in the simulator and on the GPU) and a memory
 * policy. Calls are per request and per iteration, never per token: the simulator's inner loop
 * depends on it. Policies keep their own state in typed arrays; nothing here allocates per call.
 *
 * Semantics every policy honours (the model-based tests check them):
 * - `admit`/`grow` either succeed completely or change nothing and return false;
 * - after every call: allocated + free = capacity, no block/page/slot owned twice,
 *   a request's allocation covers its tokens;
 * - `grow` to fewer tokens than held, a second `admit` of a live id, or `grow`/`release` of an unknown
 *   id are caller bugs and throw `PolicyMisuseError` (code POLICY_MISUSE);
 * - `release` returns everything the request held (deferred reclamation keeps pages *mapped* in a
 *   free slot, counted as allocated but not live, and says so in `snapshot().cachedBytes`).
 */
export interface MemoryPolicy {
  /** Policy family: 'static' | 'paged' | 'vattention' | 'recurrent' | 'hybrid'. */
  readonly kind: PolicyKind;
  /** Human-readable label including the key option, e.g. `paged(block=16)`, `vattention(page=2MiB)`. */
  readonly label: string;
  /** Bytes this policy manages (KV pool, VMM page pool, state pool). */
  readonly capacityBytes: number;
  /**
   * Largest total tokens one request may hold (maxContext); Infinity when unbounded (pure recurrent).
   * `admit`/`grow` beyond it return false: the scheduler should drop such requests up front.
   */
  readonly maxTokensPerRequest: number;
  /**
   * Most tokens one request could hold with the whole pool to itself, when the pool is smaller than
   * maxTokensPerRequest allows (absent: the pool never limits one request below maxTokensPerRequest).
   * The engine drops a request whose peak exceeds it on arrival ('no-memory'), instead of letting it
   * preempt everyone else before it fails (vLLM refuses to start when max_model_len cannot fit:
   * vllm/v1/core/kv_cache_utils.py, _check_enough_kv_cache_memory).
   */
  readonly maxTokensInPool?: number;
  /** How VMM work overlaps compute: 'overlapped' (background thread) or 'sync'; 'none' for no VMM. */
  readonly allocationMode: 'overlapped' | 'sync' | 'none';

  /**
   * Whether a new request needing `tokens` tokens now would be admitted (watermark included). With
   * prefix caching and `prefix` given, cached blocks it would reuse need no new memory. `watermark`
   * false skips the admission watermark (vLLM V1 applies it only while some request runs:
   * kv_cache_manager.py, allocate_slots(has_scheduled_reqs=bool(self.running))); default true.
   */
  canAdmit(tokens: number, prefix?: PrefixKeys, watermark?: boolean): boolean;
  /**
   * Admits request `id` holding `tokens` tokens. False, with no change, when there is no room. With
   * prefix caching and `prefix` given, the request reuses the `prefixHitTokens(prefix, ...)` tokens
   * already cached (`tokens` must cover them) and allocates only the rest.
   */
  admit(id: number, tokens: number, prefix?: PrefixKeys, watermark?: boolean): boolean;
  /**
   * Present only where blocks can be shared (paged with prefix caching): tokens at the start of a new
   * request's content of `contentTokens` tokens that are cached now and would be reused — whole
   * blocks, at most contentTokens - 1 (the last token is always computed, as in vLLM's
   * vllm/v1/core/kv_cache_manager.py, KVCacheManager.get_computed_blocks). No side effects.
   */
  prefixHitTokens?(prefix: PrefixKeys, contentTokens: number): number;
  /** Present with prefix caching: cumulative lookups, hits and evictions. */
  readonly prefixStats?: PrefixCacheStats;
  /** Grows request `id` to hold `totalTokens` tokens in all. False, with no change, when no room. */
  grow(id: number, totalTokens: number): boolean;
  /** Tokens request `id` can hold without any new allocation (so the engine can skip ahead); Infinity for recurrent. */
  tokenCapacity(id: number): number;
  /**
   * Present where the policy has background work (vAttention's step_async thread): the engine calls
   * it once per iteration, after the scheduler planned it and before reading `stats`. What it does is
   * ahead-of-need work (counted in aheadAllocOps / aheadAllocTimeS) that overlaps the iteration.
   */
  endPlan?(): void;
  /** Frees (or, with deferred reclamation, parks) everything request `id` holds. */
  release(id: number): void;

  /** Memory accounting now. Writes into `out` when given (no allocation in hot loops). */
  snapshot(out?: MemorySnapshot): MemorySnapshot;
  /** Cumulative allocation work since construction (engine takes per-iteration differences). */
  readonly stats: AllocationStats;
  /**
   * The concrete memory operations since the last call, for the GPU backend to enact; empty unless
   * the policy was built with `recordOps: true` (the simulator leaves it off for speed).
   */
  takeOps(): MemoryOp[];
}

/** Prefix-cache counters (cumulative since construction). */
export interface PrefixCacheStats {
  /**
   * First admissions that looked up the cache. Re-admissions after a preemption are counted apart
   * (resumed*), as vLLM's PrefixCacheStats.record books them (vllm/v1/metrics/stats.py): its logged hit
   * rate is over first admissions only.
   */
  lookups: number;
  /** Prompt tokens looked up by first admissions. */
  queryTokens: number;
  /** Tokens first admissions found cached and reused (prefill they skip). */
  hitTokens: number;
  /** Re-admissions after preemption that looked up the cache, their content tokens and hits. */
  resumedLookups: number;
  resumedQueryTokens: number;
  resumedHitTokens: number;
  /** Blocks found cached and reused (all admissions). */
  hitBlocks: number;
  /** Cached blocks whose content was dropped to make room (least recently freed first). */
  evictions: number;
}

export type PolicyKind = 'static' | 'paged' | 'vattention' | 'recurrent' | 'hybrid';

export interface MemorySnapshot {
  capacityBytes: number;
  /** Bytes holding live tokens / live state. */
  liveBytes: number;
  /** Bytes physically allocated (blocks in use, pages mapped, slots taken, static reservations). */
  allocatedBytes: number;
  /** Bytes reserved: virtual (vAttention) or static reservations; equals allocated for paged. */
  reservedBytes: number;
  /** capacity - allocated. */
  freeBytes: number;
  /** allocated - live among requests in use (internal fragmentation), excluding cached/eager extras. */
  fragmentationBytes: number;
  /** Pages mapped ahead of need (eager allocation), included in allocated. */
  eagerBytes: number;
  /**
   * Memory holding content kept for reuse by requests that do not hold it now. vAttention: pages kept
   * mapped in free slots (deferred reclamation), included in allocated (reclaiming them costs unmaps).
   * Paged with prefix caching: freed blocks that keep their content until evicted, counted as free
   * (vLLM counts them free: taking one costs nothing but the cached content).
   */
  cachedBytes: number;
  /** Requests currently holding memory. */
  requests: number;
}

export interface AllocationStats {
  /** Allocation operations (VMM map+setAccess per page, block assignments, slot takes). */
  allocOps: number;
  /** Deallocation operations (unmaps, block frees, slot frees). */
  freeOps: number;
  /** Modelled time of all allocation and deallocation work, seconds. */
  allocTimeS: number;
  /** Requests refused by `admit` since construction (`canAdmit` is a pure query and counts nothing). */
  refused: number;
  /**
   * The part of allocTimeS (and of allocOps) spent mapping memory ahead of need (eager pages,
   * look-ahead for the next token): work a background thread can do while the GPU computes. The
   * rest is needed by the iteration being planned. Absent = 0.
   */
  aheadAllocTimeS?: number;
  aheadAllocOps?: number;
}

/** One concrete operation for the GPU backend to enact. */
export type MemoryOp =
  | { op: 'assignBlocks'; requestId: number; blockIds: number[] }
  | { op: 'freeBlocks'; requestId: number; blockIds: number[] }
  /** Prefix caching: append these blocks, already holding the content (and possibly held by others), to the request's block table. */
  | { op: 'shareBlocks'; requestId: number; blockIds: number[] }
  /** Map `count` pages starting at page `firstPage` of `slot`, in every one of the 2L virtual buffers. */
  | { op: 'mapPages'; requestId: number; slot: number; firstPage: number; count: number }
  | { op: 'unmapPages'; slot: number; firstPage: number; count: number }
  | { op: 'assignSlot'; requestId: number; slot: number; part: 'kv' | 'state' }
  | { op: 'freeSlot'; requestId: number; slot: number; part: 'kv' | 'state' };
