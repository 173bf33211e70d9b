import { checkTensorParallel, kvBytesPerToken } from '../model/derived.js';
import { emptySnapshot, emptyStats, NO_OPS } from './emptySnapshot.js';
import { growInt32 } from './growInt32.js';
import { IdIndex } from './IdIndex.js';
import { OpLog } from './OpLog.js';
import { policyBudgetBytes } from './kvBudget.js';
import type { AllocationStats, MemoryOp, MemoryPolicy, MemorySnapshot, PrefixCacheStats } from './MemoryPolicy.js';
import { resolvePagedOptions, type PagedOptions, type ResolvedPagedOptions } from './PagedOptions.js';
import type { PolicyContext } from './PolicyContext.js';
import type { PrefixKeys } from './PrefixKeys.js';
import { checkRequest, duplicateRequest, PolicyMisuseError, shrinkingGrow, unknownRequest } from './requestChecks.js';

/**
 * PagedAttention with automatic prefix caching, as vLLM V1's block pool does it
 * (vllm/v1/core/block_pool.py, BlockPool; vllm/v1/core/kv_cache_utils.py, FreeKVCacheBlockQueue;
 * vllm/v1/core/kv_cache_manager.py, KVCacheManager.get_computed_blocks / allocate_slots / free):
 *
 * - every block is exactly one of: live (reference count > 0, possibly shared by several requests),
 *   cached (count 0, content kept and findable by key) or free (count 0, no content);
 * - cached and free blocks sit in one free queue: freed cached blocks join its back, freed blocks
 *   without content its front; a new block is taken from the front (least recently freed cached
 *   content last), and if it was cached its content is evicted then;
 * - a block is registered in the cache as soon as it is full of tokens of this step (allocate_slots
 *   caches num_computed + num_new tokens); only full blocks are ever shared, so a request's partial
 *   last block is its own;
 * - a new request reuses the longest run of its leading blocks found in the cache (at most
 *   contentTokens - 1 tokens: the last token is always computed); reused blocks with count 0 leave the
 *   free queue ("touch"), and admission counts them as taken from the free blocks;
 * - release frees a request's blocks tail first, so that its tail is evicted before its head.
 *
 * A key may name several blocks (a block recomputed while its content is still cached is cached too,
 * as vLLM's BlockHashToBlockMap keeps duplicates); lookups take the oldest. Where kvsim differs: vLLM's
 * reserved null block (one block) is not modelled.
 *
 * Accounting: allocated = live blocks; cachedBytes = cached blocks (counted free, as vLLM does);
 * live bytes count a shared block once.
 */
export class PrefixCachingPagedPolicy implements MemoryPolicy {
  readonly kind = 'paged' as const;
  readonly label: string;
  readonly capacityBytes: number;
  readonly maxTokensPerRequest: number;
  readonly maxTokensInPool: number;
  readonly allocationMode = 'none' as const;
  readonly options: ResolvedPagedOptions;
  readonly stats: AllocationStats = emptyStats();
  readonly prefixStats: PrefixCacheStats = { lookups: 0, queryTokens: 0, hitTokens: 0, resumedLookups: 0, resumedQueryTokens: 0, resumedHitTokens: 0, hitBlocks: 0, evictions: 0 };

  readonly blockSizeTokens: number;
  readonly bytesPerToken: number;
  readonly blockBytes: number;
  readonly numBlocks: number;
  readonly watermarkBlocks: number;

  private readonly refCount: Int32Array;
  /** Cache key of each block; NaN when the block holds no findable content. */
  private readonly blockKey: Float64Array;
  /** Doubly linked free queue over block ids; index numBlocks is the sentinel. */
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private freeCount: number;
  /** Blocks in the free queue that are cached. */
  private cachedFree = 0;
  /**
   * Key -> blocks holding that content, oldest first (BlockHashToBlockMap keeps duplicates: a block
   * recomputed while its content is still cached is cached too, and lookups take the first).
   */
  private readonly cache = new Map<number, number[]>();
  /** Bumped whenever a key enters or leaves the cache (invalidates the hit memo). */
  private cacheEpoch = 0;
  private memoPrefix: PrefixKeys | undefined;
  private memoMaxBlocks = -1;
  private memoEpoch = -1;
  private memoHits = 0;
  private readonly ids = new IdIndex();
  // Per request slot.
  private slotTokens = new Int32Array(64);
  private slotBlockCount = new Int32Array(64);
  /** Leading blocks of the slot already registered in (or found in) the cache. */
  private slotKeyed = new Int32Array(64);
  private slotBlocks: Int32Array[] = [];
  private slotKeys: (PrefixKeys | undefined)[] = [];
  private slotId = new Int32Array(64).fill(-1);
  private slotFree = new Int32Array(64);
  private slotFreeTop = 0;
  private slotsUsed = 0;
  private requestTokens = 0;
  /** Sum over blocks of max(0, refCount - 1): shared (always full) blocks counted more than once. */
  private extraRefs = 0;
  private requests = 0;
  private readonly ops: OpLog | null;

  constructor(ctx: PolicyContext, options: PagedOptions = {}) {
    checkTensorParallel(ctx.model, ctx.tp);
    this.options = resolvePagedOptions(options, ctx.model, ctx.vllmV1Defaults);
    this.blockSizeTokens = this.options.blockSizeTokens;
    this.maxTokensPerRequest = this.options.maxContextTokens;
    this.bytesPerToken = kvBytesPerToken(ctx.model, ctx.tp);
    if (this.bytesPerToken === 0) throw new PolicyMisuseError(`paged: ${ctx.model.name} has no attention layers`);
    this.blockBytes = this.blockSizeTokens * this.bytesPerToken;
    this.numBlocks = Math.floor(policyBudgetBytes(ctx, this.options) / this.blockBytes);
    this.capacityBytes = this.numBlocks * this.blockBytes;
    this.watermarkBlocks = Math.floor(this.options.watermark * this.numBlocks);
    this.maxTokensInPool = this.numBlocks * this.blockSizeTokens;
    this.label = `paged(block=${this.blockSizeTokens}, prefix-caching)`;
    const n = this.numBlocks;
    this.refCount = new Int32Array(n);
    this.blockKey = new Float64Array(n).fill(Number.NaN);
    this.prev = new Int32Array(n + 1);
    this.next = new Int32Array(n + 1);
    // Lowest ids at the front: deterministic and easy to read in op logs.
    for (let b = 0; b <= n; b++) {
      this.next[b] = b === n ? (n === 0 ? n : 0) : b + 1;
      this.prev[b] = b === 0 ? n : b - 1;
    }
    this.prev[n] = n === 0 ? n : n - 1;
    this.freeCount = n;
    this.ops = OpLog.when(ctx.recordOps);
  }

  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockSizeTokens);
  }

  get freeBlocks(): number {
    return this.freeCount;
  }

  prefixHitTokens(prefix: PrefixKeys, contentTokens: number): number {
    return this.hitBlocks(prefix, contentTokens) * this.blockSizeTokens;
  }

  canAdmit(tokens: number, prefix?: PrefixKeys, watermark = true): boolean {
    if (tokens > this.maxTokensPerRequest) return false;
    let hits = 0;
    let evictableHits = 0;
    if (prefix) {
      hits = Math.min(this.hitBlocks(prefix, Number.MAX_SAFE_INTEGER), this.blocksFor(tokens));
      for (let j = 0; j < hits; j++) if (this.refCount[this.cache.get(prefix.keyOf(j, this.blockSizeTokens))![0]] === 0) evictableHits++;
    }
    // KVCacheManager.allocate_slots: new blocks must fit the free queue less the cached blocks this
    // request is about to take out of it.
    return this.freeCount - evictableHits - (this.blocksFor(tokens) - hits) >= (watermark ? this.watermarkBlocks : 0);
  }

  admit(id: number, tokens: number, prefix?: PrefixKeys, watermark = true): boolean {
    checkRequest(this.label, id, tokens);
    if (this.ids.get(id) >= 0) throw duplicateRequest(this.label, id);
    const hits = prefix ? this.hitBlocks(prefix, Number.MAX_SAFE_INTEGER) : 0;
    if (hits * this.blockSizeTokens > tokens) {
      throw new PolicyMisuseError(`${this.label}: admit(${id}, ${tokens}) holds fewer tokens than its ${hits * this.blockSizeTokens} cached ones`);
    }
    if (!this.canAdmit(tokens, prefix, watermark)) {
      this.stats.refused++;
      return false;
    }
    const slot = this.takeSlot(id, prefix);
    this.requests++;
    this.ops?.push({ op: 'assignSlot', requestId: id, slot, part: 'kv' });
    if (prefix) {
      const reused: number[] | null = this.ops && hits > 0 ? [] : null;
      for (let j = 0; j < hits; j++) {
        const b = this.cache.get(prefix.keyOf(j, this.blockSizeTokens))![0];
        if (this.refCount[b] === 0) this.unlinkFree(b);
        else this.extraRefs++;
        this.refCount[b]++;
        this.pushBlock(slot, b);
        reused?.push(b);
      }
      this.slotKeyed[slot] = hits;
      if (reused) this.ops!.push({ op: 'shareBlocks', requestId: id, blockIds: reused });
      const st = this.prefixStats;
      if (prefix.resumed) {
        st.resumedLookups++;
        st.resumedQueryTokens += prefix.contentTokens;
        st.resumedHitTokens += hits * this.blockSizeTokens;
      } else {
        st.lookups++;
        st.queryTokens += prefix.contentTokens;
        st.hitTokens += hits * this.blockSizeTokens;
      }
      st.hitBlocks += hits;
    }
    this.addBlocks(id, slot, this.blocksFor(tokens) - hits);
    this.slotTokens[slot] = tokens;
    this.requestTokens += tokens;
    this.registerFull(slot);
    return true;
  }

  grow(id: number, totalTokens: number): boolean {
    checkRequest(this.label, id, totalTokens);
    const slot = this.ids.get(id);
    if (slot < 0) throw unknownRequest(this.label, id, 'grow');
    const old = this.slotTokens[slot];
    if (totalTokens < old) throw shrinkingGrow(this.label, id, old, totalTokens);
    if (totalTokens > this.maxTokensPerRequest) return false;
    const held = this.slotBlockCount[slot];
    if (totalTokens > held * this.blockSizeTokens) {
      const more = this.blocksFor(totalTokens) - held;
      if (more > this.freeCount) return false;
      this.addBlocks(id, slot, more);
    }
    this.slotTokens[slot] = totalTokens;
    this.requestTokens += totalTokens - old;
    if (this.slotKeys[slot] && Math.floor(totalTokens / this.blockSizeTokens) > this.slotKeyed[slot]) this.registerFull(slot);
    return true;
  }

  tokenCapacity(id: number): number {
    const slot = this.ids.get(id);
    if (slot < 0) throw unknownRequest(this.label, id, 'tokenCapacity');
    return Math.min(this.slotBlockCount[slot] * this.blockSizeTokens, this.maxTokensPerRequest);
  }

  release(id: number): void {
    const slot = this.ids.get(id);
    if (slot < 0) throw unknownRequest(this.label, id, 'release');
    const blocks = this.slotBlocks[slot];
    const n = this.slotBlockCount[slot];
    const freed: number[] | null = this.ops ? [] : null;
    // KVCacheManager.free: tail first, so the tail is evicted before the head. BlockPool.free_blocks
    // (vLLM main since PR #42656): a block without content goes to the front of the free queue (reused
    // first), a cached one to the back (evicted last).
    for (let i = n - 1; i >= 0; i--) {
      const b = blocks[i];
      if (--this.refCount[b] > 0) {
        this.extraRefs--;
        continue;
      }
      if (Number.isNaN(this.blockKey[b])) this.prependFree(b);
      else this.appendFree(b);
      freed?.push(b);
    }
    this.stats.freeOps += n;
    if (this.ops) {
      if (freed!.length > 0) this.ops.push({ op: 'freeBlocks', requestId: id, blockIds: freed! });
      this.ops.push({ op: 'freeSlot', requestId: id, slot, part: 'kv' });
    }
    this.requestTokens -= this.slotTokens[slot];
    this.requests--;
    this.slotTokens[slot] = 0;
    this.slotBlockCount[slot] = 0;
    this.slotKeyed[slot] = 0;
    this.slotKeys[slot] = undefined;
    this.slotId[slot] = -1;
    this.slotFree[this.slotFreeTop++] = slot;
    this.ids.delete(id);
  }

  snapshot(out: MemorySnapshot = emptySnapshot()): MemorySnapshot {
    const allocated = (this.numBlocks - this.freeCount) * this.blockBytes;
    const live = (this.requestTokens - this.extraRefs * this.blockSizeTokens) * this.bytesPerToken;
    out.capacityBytes = this.capacityBytes;
    out.liveBytes = live;
    out.allocatedBytes = allocated;
    out.reservedBytes = allocated;
    out.freeBytes = this.capacityBytes - allocated;
    out.fragmentationBytes = allocated - live;
    out.eagerBytes = 0;
    out.cachedBytes = this.cachedFree * this.blockBytes;
    out.requests = this.requests;
    return out;
  }

  takeOps(): MemoryOp[] {
    return this.ops?.take() ?? NO_OPS;
  }

  /** Block ids request `id` holds, in order (tests and debugging; allocates). */
  blocksOf(id: number): number[] {
    const slot = this.ids.get(id);
    return slot < 0 ? [] : Array.from(this.slotBlocks[slot].subarray(0, this.slotBlockCount[slot]));
  }

  /** Block ids in the free queue, front (evicted next) first (tests; allocates). */
  freeQueue(): number[] {
    const out: number[] = [];
    for (let b = this.next[this.numBlocks]; b !== this.numBlocks; b = this.next[b]) out.push(b);
    return out;
  }

  /** Whether block `b` holds findable content. */
  isCached(b: number): boolean {
    return !Number.isNaN(this.blockKey[b]);
  }

  refCountOf(b: number): number {
    return this.refCount[b];
  }

  /** Recomputes everything from scratch and throws on any inconsistency (tests; O(pool)). */
  checkInvariants(): void {
    const inQueue = new Uint8Array(this.numBlocks);
    let q = 0;
    let cachedFree = 0;
    for (let b = this.next[this.numBlocks], prev = this.numBlocks; b !== this.numBlocks; prev = b, b = this.next[b]) {
      if (this.prev[b] !== prev) throw new Error(`paged+cache: free queue links broken at ${b}`);
      if (inQueue[b]) throw new Error(`paged+cache: block ${b} twice in the free queue`);
      inQueue[b] = 1;
      if (this.refCount[b] !== 0) throw new Error(`paged+cache: block ${b} in the free queue with ${this.refCount[b]} references`);
      if (this.isCached(b)) cachedFree++;
      if (++q > this.numBlocks) throw new Error('paged+cache: free queue cycles');
    }
    // The queue is always [blocks without content..., cached blocks...]: content is evicted only when
    // no free block without content is left.
    let seenCached = false;
    for (let b = this.next[this.numBlocks]; b !== this.numBlocks; b = this.next[b]) {
      if (this.isCached(b)) seenCached = true;
      else if (seenCached) throw new Error(`paged+cache: block ${b} without content queued behind cached blocks`);
    }
    if (q !== this.freeCount || cachedFree !== this.cachedFree) throw new Error(`paged+cache: free count ${this.freeCount}/${this.cachedFree} but queue holds ${q}/${cachedFree}`);
    const refs = new Int32Array(this.numBlocks);
    let tokens = 0;
    let requests = 0;
    for (let s = 0; s < this.slotsUsed; s++) {
      const id = this.slotId[s];
      if (id < 0) continue;
      requests++;
      const n = this.slotBlockCount[s];
      if (n !== this.blocksFor(this.slotTokens[s])) throw new Error(`paged+cache: slot ${s} holds ${n} blocks for ${this.slotTokens[s]} tokens`);
      for (let i = 0; i < n; i++) {
        const b = this.slotBlocks[s][i];
        refs[b]++;
        const full = (i + 1) * this.blockSizeTokens <= this.slotTokens[s];
        if (refs[b] > 1 && !full) throw new Error(`paged+cache: partial block ${b} shared`);
      }
      tokens += this.slotTokens[s];
    }
    let extra = 0;
    for (let b = 0; b < this.numBlocks; b++) {
      if (refs[b] !== this.refCount[b]) throw new Error(`paged+cache: block ${b} counts ${this.refCount[b]} references, holders ${refs[b]}`);
      if (refs[b] === 0 && !inQueue[b]) throw new Error(`paged+cache: unreferenced block ${b} missing from the free queue`);
      if (refs[b] > 1) extra += refs[b] - 1;
    }
    let listed = 0;
    for (const [key, list] of this.cache) {
      if (list.length === 0) throw new Error(`paged+cache: empty block list for key ${key}`);
      for (const b of list) if (this.blockKey[b] !== key) throw new Error(`paged+cache: cache maps ${key} to block ${b} keyed ${this.blockKey[b]}`);
      listed += list.length;
    }
    let keyed = 0;
    for (let b = 0; b < this.numBlocks; b++) if (this.isCached(b)) keyed++;
    if (keyed !== listed) throw new Error(`paged+cache: ${keyed} keyed blocks but ${listed} cache entries`);
    if (tokens !== this.requestTokens || requests !== this.requests || extra !== this.extraRefs) throw new Error('paged+cache: totals drifted');
  }

  // ---- internals ------------------------------------------------------------------------------

  /**
   * Leading blocks of `prefix` found in the cache, capped so at least one content token is computed.
   * One admission asks up to four times (scheduler, engine, canAdmit, admit) and a refused head of the
   * queue asks again every step: the walk is memoized until the cache's key set changes.
   */
  private hitBlocks(prefix: PrefixKeys, contentTokens: number): number {
    const bs = this.blockSizeTokens;
    const maxBlocks = Math.floor((Math.min(contentTokens, prefix.contentTokens) - 1) / bs);
    if (prefix === this.memoPrefix && maxBlocks === this.memoMaxBlocks && this.cacheEpoch === this.memoEpoch) return this.memoHits;
    let j = 0;
    while (j < maxBlocks && this.cache.has(prefix.keyOf(j, bs))) j++;
    this.memoPrefix = prefix;
    this.memoMaxBlocks = maxBlocks;
    this.memoEpoch = this.cacheEpoch;
    this.memoHits = j;
    return j;
  }

  /** Registers the slot's blocks that are full now and not yet keyed (BlockPool.cache_full_blocks). */
  private registerFull(slot: number): void {
    const keys = this.slotKeys[slot];
    if (!keys) return;
    const bs = this.blockSizeTokens;
    const full = Math.floor(this.slotTokens[slot] / bs);
    const blocks = this.slotBlocks[slot];
    for (let j = this.slotKeyed[slot]; j < full; j++) {
      const key = keys.keyOf(j, bs);
      const b = blocks[j];
      if (!Number.isNaN(this.blockKey[b])) continue;
      const list = this.cache.get(key);
      if (list) list.push(b);
      else {
        this.cache.set(key, [b]);
        this.cacheEpoch++;
      }
      this.blockKey[b] = key;
    }
    if (full > this.slotKeyed[slot]) this.slotKeyed[slot] = full;
  }

  private takeSlot(id: number, prefix: PrefixKeys | undefined): number {
    let slot: number;
    if (this.slotFreeTop > 0) {
      slot = this.slotFree[--this.slotFreeTop];
    } else {
      slot = this.slotsUsed++;
      if (slot >= this.slotId.length) {
        const n = slot + 1;
        this.slotTokens = growInt32(this.slotTokens, n);
        this.slotBlockCount = growInt32(this.slotBlockCount, n);
        this.slotKeyed = growInt32(this.slotKeyed, n);
        this.slotId = growInt32(this.slotId, n, -1);
        this.slotFree = growInt32(this.slotFree, n);
      }
      this.slotBlocks[slot] = new Int32Array(16);
    }
    this.slotId[slot] = id;
    this.slotBlockCount[slot] = 0;
    this.slotKeyed[slot] = 0;
    this.slotKeys[slot] = prefix;
    this.ids.set(id, slot);
    return slot;
  }

  private pushBlock(slot: number, b: number): void {
    let list = this.slotBlocks[slot];
    const n = this.slotBlockCount[slot];
    if (n === list.length) {
      const bigger = new Int32Array(list.length * 2);
      bigger.set(list);
      this.slotBlocks[slot] = list = bigger;
    }
    list[n] = b;
    this.slotBlockCount[slot] = n + 1;
  }

  /** Takes `n` blocks from the front of the free queue (evicting cached content); the caller checked. */
  private addBlocks(id: number, slot: number, n: number): void {
    if (n <= 0) return;
    const assigned: number[] | null = this.ops ? [] : null;
    const S = this.numBlocks;
    for (let i = 0; i < n; i++) {
      const b = this.next[S];
      this.unlinkFree(b);
      const key = this.blockKey[b];
      if (!Number.isNaN(key)) {
        // BlockPool._maybe_evict_cached_block.
        const list = this.cache.get(key)!;
        list.splice(list.indexOf(b), 1);
        if (list.length === 0) {
          this.cache.delete(key);
          this.cacheEpoch++;
        }
        this.blockKey[b] = Number.NaN;
        this.prefixStats.evictions++;
      }
      this.refCount[b] = 1;
      this.pushBlock(slot, b);
      assigned?.push(b);
    }
    this.stats.allocOps += n;
    if (assigned) this.ops!.push({ op: 'assignBlocks', requestId: id, blockIds: assigned });
  }

  private unlinkFree(b: number): void {
    const p = this.prev[b];
    const nx = this.next[b];
    this.next[p] = nx;
    this.prev[nx] = p;
    this.next[b] = -1;
    this.prev[b] = -1;
    this.freeCount--;
    if (!Number.isNaN(this.blockKey[b])) this.cachedFree--;
  }

  private prependFree(b: number): void {
    const S = this.numBlocks;
    const first = this.next[S];
    this.prev[first] = b;
    this.next[b] = first;
    this.prev[b] = S;
    this.next[S] = b;
    this.freeCount++;
  }

  private appendFree(b: number): void {
    const S = this.numBlocks;
    const last = this.prev[S];
    this.next[last] = b;
    this.prev[b] = last;
    this.next[b] = S;
    this.prev[S] = b;
    this.freeCount++;
    if (!Number.isNaN(this.blockKey[b])) this.cachedFree++;
  }
}
