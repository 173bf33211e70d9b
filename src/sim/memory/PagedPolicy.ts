import { checkTensorParallel, kvBytesPerToken } from '../model/derived.js';
import { emptySnapshot, emptyStats, NO_OPS } from './emptySnapshot.js';
import { growInt32 } from './growInt32.js';
import { IdIndex } from './IdIndex.js';
import { policyBudgetBytes } from './kvBudget.js';
import type { AllocationStats, MemoryOp, MemoryPolicy, MemorySnapshot } from './MemoryPolicy.js';
import { resolvePagedOptions, type PagedOptions, type ResolvedPagedOptions } from './PagedOptions.js';
import { OpLog } from './OpLog.js';
import type { PolicyContext } from './PolicyContext.js';
import type { PrefixKeys } from './PrefixKeys.js';
import { checkRequest, duplicateRequest, PolicyMisuseError, shrinkingGrow, unknownRequest } from './requestChecks.js';

/**
 * PagedAttention as vLLM does it: one pool of fixed-size KV blocks (blockSizeTokens tokens in every
 * attention layer), a request holds ceil(tokens / blockSize) blocks anywhere in the pool, admission
 * keeps a watermark of free blocks for running requests to grow into.
 *
 * Allocation time is 0: assigning block ids is CPU-side block-table bookkeeping (the GPU memory was
 * allocated once, up front); its cost shows up instead as the paged kernels' slowdown in the cost model.
 *
 * State lives in typed arrays: a stack of free block ids, and each request's blocks as a singly linked
 * chain through `nextBlock` (head/tail per request slot), so admit/grow/release cost O(blocks changed)
 * and allocate nothing unless ops are recorded.
 */
export class PagedPolicy implements MemoryPolicy {
  readonly kind = 'paged' as const;
  readonly label: string;
  readonly capacityBytes: number;
  readonly maxTokensPerRequest: number;
  readonly maxTokensInPool: number;
  readonly allocationMode = 'none' as const;
  readonly options: ResolvedPagedOptions;
  readonly stats: AllocationStats = emptyStats();

  readonly blockSizeTokens: number;
  /** KV bytes of one token, all attention layers, K and V, on one GPU. */
  readonly bytesPerToken: number;
  readonly blockBytes: number;
  readonly numBlocks: number;
  /** Blocks that admission leaves free (vLLM: int(watermark * numBlocks)). */
  readonly watermarkBlocks: number;

  private readonly freeStack: Int32Array;
  private freeTop: number;
  /** Next block of the same request, -1 at the end of a chain. */
  private readonly nextBlock: Int32Array;
  private readonly ids = new IdIndex();
  // Per request slot.
  private slotTokens = new Int32Array(64);
  private slotBlocks = new Int32Array(64);
  private slotHead = new Int32Array(64);
  private slotTail = new Int32Array(64);
  private slotId = new Int32Array(64).fill(-1);
  private slotFree = new Int32Array(64);
  private slotFreeTop = 0;
  private slotsUsed = 0;
  private liveTokens = 0;
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
    const budget = policyBudgetBytes(ctx, this.options);
    this.numBlocks = Math.floor(budget / this.blockBytes);
    this.capacityBytes = this.numBlocks * this.blockBytes;
    this.watermarkBlocks = Math.floor(this.options.watermark * this.numBlocks);
    this.maxTokensInPool = this.numBlocks * this.blockSizeTokens;
    this.label = `paged(block=${this.blockSizeTokens})`;
    this.freeStack = new Int32Array(this.numBlocks);
    // Lowest ids on top: deterministic and easy to read in op logs.
    for (let i = 0; i < this.numBlocks; i++) this.freeStack[i] = this.numBlocks - 1 - i;
    this.freeTop = this.numBlocks;
    this.nextBlock = new Int32Array(this.numBlocks).fill(-1);
    this.ops = OpLog.when(ctx.recordOps);
  }

  /** Blocks a request of `tokens` tokens holds. */
  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockSizeTokens);
  }

  get freeBlocks(): number {
    return this.freeTop;
  }

  canAdmit(tokens: number, _prefix?: PrefixKeys, watermark = true): boolean {
    return tokens <= this.maxTokensPerRequest && this.freeTop - this.blocksFor(tokens) >= (watermark ? this.watermarkBlocks : 0);
  }

  admit(id: number, tokens: number, _prefix?: PrefixKeys, watermark = true): boolean {
    checkRequest(this.label, id, tokens);
    if (this.ids.get(id) >= 0) throw duplicateRequest(this.label, id);
    if (!this.canAdmit(tokens, undefined, watermark)) {
      this.stats.refused++;
      return false;
    }
    const slot = this.takeSlot(id);
    this.requests++;
    this.ops?.push({ op: 'assignSlot', requestId: id, slot, part: 'kv' });
    this.addBlocks(id, slot, this.blocksFor(tokens));
    this.slotTokens[slot] = tokens;
    this.liveTokens += tokens;
    return true;
  }

  grow(id: number, totalTokens: number): boolean {
    checkRequest(this.label, id, totalTokens);
    const slot = this.ids.get(id);
    if (slot < 0) throw unknownRequest(this.label, id, 'grow');
    const old = this.slotTokens[slot];
    if (totalTokens < old) throw shrinkingGrow(this.label, id, old, totalTokens);
    if (totalTokens > this.maxTokensPerRequest) return false;
    const held = this.slotBlocks[slot];
    // Fast path (15 of 16 decode steps with 16-token blocks): the tokens still fit the blocks held,
    // so no block is added; a multiply instead of blocksFor's division, the hottest line of a replay.
    if (totalTokens <= held * this.blockSizeTokens) {
      this.slotTokens[slot] = totalTokens;
      this.liveTokens += totalTokens - old;
      return true;
    }
    const more = this.blocksFor(totalTokens) - held;
    // Growth ignores the watermark: it exists so that running requests can grow.
    if (more > this.freeTop) return false;
    if (more > 0) this.addBlocks(id, slot, more);
    this.slotTokens[slot] = totalTokens;
    this.liveTokens += totalTokens - old;
    return true;
  }

  tokenCapacity(id: number): number {
    const slot = this.ids.get(id);
    if (slot < 0) throw unknownRequest(this.label, id, 'tokenCapacity');
    return Math.min(this.slotBlocks[slot] * this.blockSizeTokens, this.maxTokensPerRequest);
  }

  release(id: number): void {
    const slot = this.ids.get(id);
    if (slot < 0) throw unknownRequest(this.label, id, 'release');
    const freed: number[] | null = this.ops ? [] : null;
    let b = this.slotHead[slot];
    let n = 0;
    while (b >= 0) {
      const next = this.nextBlock[b];
      this.nextBlock[b] = -1;
      this.freeStack[this.freeTop++] = b;
      freed?.push(b);
      b = next;
      n++;
    }
    this.stats.freeOps += n;
    if (this.ops) {
      if (freed!.length > 0) this.ops.push({ op: 'freeBlocks', requestId: id, blockIds: freed! });
      this.ops.push({ op: 'freeSlot', requestId: id, slot, part: 'kv' });
    }
    this.liveTokens -= this.slotTokens[slot];
    this.requests--;
    this.slotTokens[slot] = 0;
    this.slotBlocks[slot] = 0;
    this.slotHead[slot] = -1;
    this.slotTail[slot] = -1;
    this.slotId[slot] = -1;
    this.slotFree[this.slotFreeTop++] = slot;
    this.ids.delete(id);
  }

  snapshot(out: MemorySnapshot = emptySnapshot()): MemorySnapshot {
    const allocated = (this.numBlocks - this.freeTop) * this.blockBytes;
    const live = this.liveTokens * this.bytesPerToken;
    out.capacityBytes = this.capacityBytes;
    out.liveBytes = live;
    out.allocatedBytes = allocated;
    out.reservedBytes = allocated;
    out.freeBytes = this.capacityBytes - allocated;
    out.fragmentationBytes = allocated - live;
    out.eagerBytes = 0;
    out.cachedBytes = 0;
    out.requests = this.requests;
    return out;
  }

  takeOps(): MemoryOp[] {
    return this.ops?.take() ?? NO_OPS;
  }

  /** Block ids request `id` holds, in order (tests and debugging; allocates). */
  blocksOf(id: number): number[] {
    const slot = this.ids.get(id);
    const out: number[] = [];
    for (let b = slot < 0 ? -1 : this.slotHead[slot]; b >= 0; b = this.nextBlock[b]) out.push(b);
    return out;
  }

  /** Recomputes everything from scratch and throws on any inconsistency (tests; O(pool)). */
  checkInvariants(): void {
    const owner = new Int32Array(this.numBlocks).fill(-1);
    for (let i = 0; i < this.freeTop; i++) {
      const b = this.freeStack[i];
      if (owner[b] !== -1) throw new Error(`paged: block ${b} free twice`);
      owner[b] = -2;
    }
    let used = 0;
    let tokens = 0;
    let requests = 0;
    for (let s = 0; s < this.slotsUsed; s++) {
      const id = this.slotId[s];
      if (id < 0) continue;
      requests++;
      if (this.ids.get(id) !== s) throw new Error(`paged: slot ${s} and id ${id} disagree`);
      let n = 0;
      for (let b = this.slotHead[s]; b >= 0; b = this.nextBlock[b]) {
        if (owner[b] !== -1) throw new Error(`paged: block ${b} owned twice`);
        owner[b] = s;
        n++;
      }
      if (n !== this.slotBlocks[s] || n !== this.blocksFor(this.slotTokens[s])) throw new Error(`paged: slot ${s} holds ${n} blocks`);
      used += n;
      tokens += this.slotTokens[s];
    }
    if (used + this.freeTop !== this.numBlocks) throw new Error(`paged: ${used} used + ${this.freeTop} free != ${this.numBlocks}`);
    if (tokens !== this.liveTokens || requests !== this.requests) throw new Error('paged: totals drifted');
  }

  private takeSlot(id: number): number {
    let slot: number;
    if (this.slotFreeTop > 0) {
      slot = this.slotFree[--this.slotFreeTop];
    } else {
      slot = this.slotsUsed++;
      if (slot >= this.slotId.length) {
        const n = slot + 1;
        this.slotTokens = growInt32(this.slotTokens, n);
        this.slotBlocks = growInt32(this.slotBlocks, n);
        this.slotHead = growInt32(this.slotHead, n, -1);
        this.slotTail = growInt32(this.slotTail, n, -1);
        this.slotId = growInt32(this.slotId, n, -1);
        this.slotFree = growInt32(this.slotFree, n);
      }
    }
    this.slotId[slot] = id;
    this.slotHead[slot] = -1;
    this.slotTail[slot] = -1;
    this.slotBlocks[slot] = 0;
    this.ids.set(id, slot);
    return slot;
  }

  /** Pops `n` free blocks onto the request's chain; the caller checked there are enough. */
  private addBlocks(id: number, slot: number, n: number): void {
    if (n <= 0) return;
    const assigned: number[] | null = this.ops ? [] : null;
    let tail = this.slotTail[slot];
    for (let i = 0; i < n; i++) {
      const b = this.freeStack[--this.freeTop];
      if (tail < 0) this.slotHead[slot] = b;
      else this.nextBlock[tail] = b;
      tail = b;
      assigned?.push(b);
    }
    this.slotTail[slot] = tail;
    this.slotBlocks[slot] += n;
    this.stats.allocOps += n;
    if (assigned) this.ops!.push({ op: 'assignBlocks', requestId: id, blockIds: assigned });
  }
}
