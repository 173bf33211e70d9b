import { UserError } from '../../errors.js';
import { attentionLayers, checkTensorParallel, kvBytesPerTokenPerLayer } from '../model/derived.js';
import { emptySnapshot, emptyStats, NO_OPS } from './emptySnapshot.js';
import { IdIndex } from './IdIndex.js';
import { policyBudgetBytes } from './kvBudget.js';
import type { AllocationStats, MemoryOp, MemoryPolicy, MemorySnapshot } from './MemoryPolicy.js';
import type { PolicyContext } from './PolicyContext.js';
import { checkRequest, duplicateRequest, PolicyMisuseError, shrinkingGrow, unknownRequest } from './requestChecks.js';
import { SlotList } from './SlotList.js';
import { resolveVAttentionOptions, type ResolvedVAttentionOptions, type VAttentionOptions } from './VAttentionOptions.js';
import { vmmPageCosts, type VmmPageCosts } from './vmmPageCosts.js';

/**
 * vAttention: 2L contiguous virtual KV buffers (K and V of every attention layer), each
 * maxBatch * S bytes with S = roundUp(maxContext * Hkv*D*b, pageSize); request slot r owns bytes
 * [r*S, (r+1)*S) of every buffer. Physical pages come from a pool created up front (so no cuMemCreate
 * in the steady state) and are mapped on demand, one *page group* at a time: one page in each of the
 * 2L buffers, adding pageSize / (Hkv*D*b) tokens. Each mapped page costs cuMemMap + cuMemSetAccess,
 * each unmapped page cuMemUnmap ({@link vmmPageCosts}).
 *
 * Deferred reclamation: a finished request's pages stay mapped in its (now free) slot; admission
 * prefers such a slot (most recently freed first) and under memory pressure pages are reclaimed from
 * free slots, oldest first, then from running requests' pages beyond their need (eager or inherited).
 * A request is refused exactly when no slot is free or its need exceeds free + reclaimable pages.
 *
 * All counts are in page groups: every map and unmap covers the same page index in all 2L buffers.
 */
export class VAttentionPolicy implements MemoryPolicy {
  readonly kind = 'vattention' as const;
  readonly label: string;
  readonly capacityBytes: number;
  readonly maxTokensPerRequest: number;
  readonly allocationMode: 'overlapped' | 'sync';
  readonly options: ResolvedVAttentionOptions;
  readonly stats: AllocationStats = emptyStats();

  /** 2L: K and V buffers of every attention layer. */
  readonly buffers: number;
  /** Bytes of K (or V) per token per layer on this GPU: Hkv*D*b. */
  readonly tokenBytesPerLayer: number;
  /** KV bytes per token, all layers: 2L*Hkv*D*b. */
  readonly bytesPerToken: number;
  readonly pageSizeBytes: number;
  /** Tokens one page group adds (pageSize / (Hkv*D*b), fractional when it does not divide). */
  readonly tokensPerGroup: number;
  /** One page in each buffer: 2L * pageSize. */
  readonly groupBytes: number;
  /** Pages per slot in each buffer: S / pageSize. */
  readonly pagesPerSlot: number;
  /** Surplus groups per running slot counted as mapped ahead of need (eager pages or look-ahead). */
  readonly aheadAllowance: number;
  /** S: bytes each slot spans in each buffer. */
  readonly slotBytesPerBuffer: number;
  readonly maxBatch: number;
  /** Virtual address space reserved: 2L * maxBatch * S. */
  readonly virtualBytes: number;
  /** Page groups in the physical pool. */
  readonly poolGroups: number;
  readonly pageCosts: VmmPageCosts;
  /** One-off cost of creating the physical pool (cuMemCreate per page), not part of `stats`. */
  readonly setupTimeS: number;
  /** Modelled time to map / unmap one page group (2L pages). */
  readonly mapGroupS: number;
  readonly unmapGroupS: number;

  private freeGroups: number;
  private readonly ids = new IdIndex();
  private readonly slotId: Int32Array;
  private readonly mapped: Int32Array;
  private readonly need: Int32Array;
  private readonly tokens: Int32Array;
  private readonly freeEmpty: Int32Array;
  private freeEmptyTop: number;
  /** Free slots with pages still mapped (deferred reclamation). */
  private readonly freeCached: SlotList;
  /** Running slots holding more groups than their tokens need. */
  private readonly surplus: SlotList;
  private freeCachedGroups = 0;
  private liveSurplusGroups = 0;
  private liveEagerGroups = 0;
  private liveNeedGroups = 0;
  private liveTokens = 0;
  private requests = 0;
  private ops: MemoryOp[] | null;

  constructor(ctx: PolicyContext, options: VAttentionOptions = {}) {
    checkTensorParallel(ctx.model, ctx.tp);
    const o = (this.options = resolveVAttentionOptions(options, ctx.model));
    const layers = attentionLayers(ctx.model);
    if (layers.length === 0) throw new PolicyMisuseError(`vattention: ${ctx.model.name} has no attention layers`);
    this.tokenBytesPerLayer = kvBytesPerTokenPerLayer(layers[0], ctx.tp);
    for (const l of layers) {
      if (kvBytesPerTokenPerLayer(l, ctx.tp) !== this.tokenBytesPerLayer) {
        throw new UserError('UNSUPPORTED_MODEL', `vattention needs the same KV shape in every attention layer; ${ctx.model.name} mixes them`);
      }
    }
    this.buffers = 2 * layers.length;
    this.bytesPerToken = this.buffers * this.tokenBytesPerLayer;
    this.pageSizeBytes = o.pageSizeBytes;
    this.tokensPerGroup = this.pageSizeBytes / this.tokenBytesPerLayer;
    this.aheadAllowance = Math.max(o.eagerPages, o.lookaheadTokens > 0 ? Math.ceil(o.lookaheadTokens / this.tokensPerGroup) : 0);
    this.groupBytes = this.buffers * this.pageSizeBytes;
    this.maxTokensPerRequest = o.maxContextTokens;
    this.pagesPerSlot = Math.ceil((o.maxContextTokens * this.tokenBytesPerLayer) / this.pageSizeBytes);
    this.slotBytesPerBuffer = this.pagesPerSlot * this.pageSizeBytes;
    const budget =
      policyBudgetBytes(ctx, o);
    this.poolGroups = Math.floor(budget / this.groupBytes);
    this.capacityBytes = this.poolGroups * this.groupBytes;
    const perSlotVirtual = this.buffers * this.slotBytesPerBuffer;
    const vaSlots = Math.floor(ctx.hardware.virtualAddressBytes / perSlotVirtual);
    if (o.maxBatch === undefined) {
      // Enough slots for every request physical memory could hold (one group each), within the VA space.
      this.maxBatch = Math.max(1, Math.min(this.poolGroups, vaSlots));
    } else {
      this.maxBatch = o.maxBatch;
    }
    this.virtualBytes = this.maxBatch * perSlotVirtual;
    if (this.virtualBytes > ctx.hardware.virtualAddressBytes) {
      throw new UserError(
        'VIRTUAL_ADDRESS_SPACE',
        `vattention: maxBatch=${this.maxBatch} x maxContextTokens=${o.maxContextTokens} needs ${this.buffers} buffers of ` +
          `${this.maxBatch} x ${this.slotBytesPerBuffer} bytes = ${this.virtualBytes} bytes of virtual address space, more than ` +
          `${ctx.hardware.name}'s ${ctx.hardware.virtualAddressBytes}; lower maxBatch (at most ${vaSlots}) or maxContextTokens`,
      );
    }
    this.allocationMode = o.mapping;
    this.pageCosts = vmmPageCosts(ctx.hardware, this.pageSizeBytes);
    this.mapGroupS = this.buffers * this.pageCosts.mapS;
    this.unmapGroupS = this.buffers * this.pageCosts.unmapS;
    this.setupTimeS = this.poolGroups * this.buffers * this.pageCosts.createS;
    this.freeGroups = this.poolGroups;
    // Non-default mapping choices are part of the label: outputs of different configurations must differ.
    const extras = [
      o.mapping === 'sync' ? 'sync' : '',
      o.lookaheadTokens !== (o.mapping === 'overlapped' ? 1 : 0) ? `lookahead=${o.lookaheadTokens}` : '',
      o.eagerPages > 0 ? `eager=${o.eagerPages}` : '',
    ].filter((x) => x !== '');
    this.label = `vattention(page=${formatPage(this.pageSizeBytes)}${extras.map((x) => `, ${x}`).join('')})`;

    const n = this.maxBatch;
    this.slotId = new Int32Array(n).fill(-1);
    this.mapped = new Int32Array(n);
    this.need = new Int32Array(n);
    this.tokens = new Int32Array(n);
    this.freeEmpty = new Int32Array(n);
    for (let i = 0; i < n; i++) this.freeEmpty[i] = n - 1 - i;
    this.freeEmptyTop = n;
    this.freeCached = new SlotList(n);
    this.surplus = new SlotList(n);
    this.ops = ctx.recordOps ? [] : null;
  }

  /** Page groups that hold `tokens` tokens (contiguous layout: token t sits at t*Hkv*D*b). */
  groupsFor(tokens: number): number {
    return Math.ceil((tokens * this.tokenBytesPerLayer) / this.pageSizeBytes);
  }

  /** Tokens `groups` page groups hold. */
  tokensIn(groups: number): number {
    return Math.min(Math.floor((groups * this.pageSizeBytes) / this.tokenBytesPerLayer), this.maxTokensPerRequest);
  }

  /** The slot request `id` runs in, -1 if none. */
  slotOf(id: number): number {
    return this.ids.get(id);
  }

  /** Byte offset of page `page` of `slot` inside each of the 2L virtual buffers: slot*S + page*pageSize. */
  pageOffsetBytes(slot: number, page: number): number {
    return slot * this.slotBytesPerBuffer + page * this.pageSizeBytes;
  }

  /** Size of each of the 2L virtual buffers: maxBatch * S. */
  get bufferBytes(): number {
    return this.maxBatch * this.slotBytesPerBuffer;
  }

  /** Page groups mapped in `slot` (running or free). */
  mappedGroups(slot: number): number {
    return this.mapped[slot];
  }

  /** Page groups that could be mapped now without failing: free ones plus reclaimable ones. */
  get availableGroups(): number {
    return this.freeGroups + this.freeCachedGroups + this.liveSurplusGroups;
  }

  canAdmit(tokens: number): boolean {
    return (
      tokens <= this.maxTokensPerRequest &&
      (this.freeCached.size > 0 || this.freeEmptyTop > 0) &&
      this.groupsFor(tokens) <= this.availableGroups
    );
  }

  admit(id: number, tokens: number): boolean {
    checkRequest(this.label, id, tokens);
    if (this.ids.get(id) >= 0) throw duplicateRequest(this.label, id);
    if (!this.canAdmit(tokens)) {
      this.stats.refused++;
      return false;
    }
    let slot: number;
    // Prefer a free slot whose pages are still mapped: the new request may need no mapping at all.
    if (this.freeCached.size > 0) {
      slot = this.freeCached.head;
      this.freeCached.remove(slot);
      this.freeCachedGroups -= this.mapped[slot];
    } else {
      slot = this.freeEmpty[--this.freeEmptyTop];
    }
    const g = this.groupsFor(tokens);
    const have = this.mapped[slot];
    this.slotId[slot] = id;
    this.ids.set(id, slot);
    this.requests++;
    this.tokens[slot] = tokens;
    this.liveTokens += tokens;
    this.ops?.push({ op: 'assignSlot', requestId: id, slot, part: 'kv' });
    // Enter the running set holding what it inherited, needing nothing yet, then raise the need.
    this.need[slot] = 0;
    this.mapped[slot] = 0;
    this.setLive(slot, have, 0);
    this.raiseNeed(id, slot, g, tokens);
    return true;
  }

  grow(id: number, totalTokens: number): boolean {
    checkRequest(this.label, id, totalTokens);
    const slot = this.ids.get(id);
    if (slot < 0) throw unknownRequest(this.label, id, 'grow');
    const old = this.tokens[slot];
    if (totalTokens < old) throw shrinkingGrow(this.label, id, old, totalTokens);
    if (totalTokens > this.maxTokensPerRequest) return false;
    const g = this.groupsFor(totalTokens);
    const m = this.mapped[slot];
    // Fast path (almost every decode step: a 2 MiB page group holds ~1000 tokens): the need stays in
    // the same group, so raiseNeed would change nothing unless an eager top-up is due; skip it then.
    if (g === this.need[slot] && (m >= this.targetGroups(g, totalTokens) || this.freeGroups === 0)) {
      this.tokens[slot] = totalTokens;
      this.liveTokens += totalTokens - old;
      return true;
    }
    if (g > m) {
      // The slot's own surplus (m - need) is consumed by its growth, so only others' counts.
      const othersSurplus = this.liveSurplusGroups - (m - this.need[slot]);
      if (g - m > this.freeGroups + this.freeCachedGroups + othersSurplus) return false;
    }
    this.tokens[slot] = totalTokens;
    this.liveTokens += totalTokens - old;
    this.raiseNeed(id, slot, g, totalTokens);
    return true;
  }

  tokenCapacity(id: number): number {
    const slot = this.ids.get(id);
    if (slot < 0) throw unknownRequest(this.label, id, 'tokenCapacity');
    return this.tokensIn(this.mapped[slot]);
  }

  release(id: number): void {
    const slot = this.ids.get(id);
    if (slot < 0) throw unknownRequest(this.label, id, 'release');
    const m = this.mapped[slot];
    this.setLive(slot, 0, 0); // leave the running totals
    this.liveTokens -= this.tokens[slot];
    this.tokens[slot] = 0;
    this.requests--;
    this.slotId[slot] = -1;
    this.ids.delete(id);
    this.ops?.push({ op: 'freeSlot', requestId: id, slot, part: 'kv' });
    this.mapped[slot] = m;
    if (m > 0 && this.options.deferredReclamation) {
      this.freeCached.pushFront(slot);
      this.freeCachedGroups += m;
    } else {
      if (m > 0) this.unmap(slot, m);
      this.mapped[slot] = 0;
      this.freeEmpty[this.freeEmptyTop++] = slot;
    }
  }

  snapshot(out: MemorySnapshot = emptySnapshot()): MemorySnapshot {
    const gb = this.groupBytes;
    const allocated = (this.poolGroups - this.freeGroups) * gb;
    const live = this.liveTokens * this.bytesPerToken;
    out.capacityBytes = this.capacityBytes;
    out.liveBytes = live;
    out.allocatedBytes = allocated;
    // Virtual address range owned by running requests' slots.
    out.reservedBytes = this.requests * this.buffers * this.slotBytesPerBuffer;
    out.freeBytes = this.capacityBytes - allocated;
    out.fragmentationBytes = this.liveNeedGroups * gb - live;
    out.eagerBytes = this.liveEagerGroups * gb;
    out.cachedBytes = (this.freeCachedGroups + this.liveSurplusGroups - this.liveEagerGroups) * gb;
    out.requests = this.requests;
    return out;
  }

  takeOps(): MemoryOp[] {
    if (!this.ops || this.ops.length === 0) return NO_OPS;
    const ops = this.ops;
    this.ops = [];
    return ops;
  }

  /** Recomputes every total and list from the per-slot arrays; throws on any inconsistency (tests). */
  checkInvariants(): void {
    let mappedSum = 0;
    let needSum = 0;
    let surplusSum = 0;
    let eagerSum = 0;
    let cachedSum = 0;
    let tokenSum = 0;
    let requests = 0;
    const inEmpty = new Uint8Array(this.maxBatch);
    for (let i = 0; i < this.freeEmptyTop; i++) {
      const s = this.freeEmpty[i];
      if (inEmpty[s]) throw new Error(`vattention: slot ${s} twice in the empty free stack`);
      inEmpty[s] = 1;
    }
    for (let s = 0; s < this.maxBatch; s++) {
      const m = this.mapped[s];
      if (m < 0 || m > this.pagesPerSlot) throw new Error(`vattention: slot ${s} maps ${m} groups`);
      mappedSum += m;
      const id = this.slotId[s];
      if (id >= 0) {
        requests++;
        if (this.ids.get(id) !== s) throw new Error(`vattention: slot ${s} and id ${id} disagree`);
        if (inEmpty[s] || this.freeCached.has(s)) throw new Error(`vattention: running slot ${s} is on a free list`);
        if (this.need[s] !== this.groupsFor(this.tokens[s]) || m < this.need[s]) throw new Error(`vattention: slot ${s} under-mapped`);
        needSum += this.need[s];
        const sur = m - this.need[s];
        surplusSum += sur;
        eagerSum += Math.min(sur, this.aheadAllowance);
        if (this.surplus.has(s) !== sur > 0) throw new Error(`vattention: slot ${s} surplus list membership`);
        tokenSum += this.tokens[s];
      } else {
        if (this.surplus.has(s)) throw new Error(`vattention: free slot ${s} on the surplus list`);
        if (m > 0 && (!this.freeCached.has(s) || inEmpty[s])) throw new Error(`vattention: free slot ${s} with pages not on the cached list`);
        if (m === 0 && !inEmpty[s]) throw new Error(`vattention: empty free slot ${s} lost`);
        cachedSum += m;
      }
    }
    if (mappedSum + this.freeGroups !== this.poolGroups) throw new Error(`vattention: ${mappedSum} mapped + ${this.freeGroups} free != ${this.poolGroups}`);
    if (needSum !== this.liveNeedGroups || surplusSum !== this.liveSurplusGroups || eagerSum !== this.liveEagerGroups) {
      throw new Error('vattention: running totals drifted');
    }
    if (cachedSum !== this.freeCachedGroups || tokenSum !== this.liveTokens || requests !== this.requests) {
      throw new Error('vattention: free/live totals drifted');
    }
  }

  /** Sets a running slot's mapped and needed groups, keeping totals and the surplus list in step. */
  private setLive(slot: number, mapped: number, need: number): void {
    const e = this.aheadAllowance;
    const oldSur = this.mapped[slot] - this.need[slot];
    const newSur = mapped - need;
    this.liveSurplusGroups += newSur - oldSur;
    this.liveEagerGroups += Math.min(newSur, e) - Math.min(oldSur, e);
    this.liveNeedGroups += need - this.need[slot];
    if (oldSur > 0 && newSur === 0) this.surplus.remove(slot);
    else if (oldSur === 0 && newSur > 0) this.surplus.pushFront(slot);
    this.mapped[slot] = mapped;
    this.need[slot] = need;
  }

  /**
   * Raises a running slot's need to `g` groups, mapping (after reclaiming, if it must) what is
   * missing, then tops up eager groups from free pages only. The caller checked there is room.
   */
  private raiseNeed(id: number, slot: number, g: number, tokens: number): void {
    const m = this.mapped[slot];
    if (g <= m) {
      this.setLive(slot, m, g);
    } else {
      this.setLive(slot, m, m); // its own surplus is spent first, and is not reclaimable meanwhile
      this.reclaim(g - m);
      this.map(id, slot, m, g - m, false);
      this.setLive(slot, g, g);
    }
    const want = this.targetGroups(g, tokens) - this.mapped[slot];
    const extra = Math.min(want, this.freeGroups);
    if (extra > 0) {
      const first = this.mapped[slot];
      this.map(id, slot, first, extra, true);
      this.setLive(slot, first + extra, g);
    }
  }

  /** Makes `n` groups free, unmapping cached pages (oldest free slot first), then running surplus. */
  private reclaim(n: number): void {
    while (this.freeGroups < n && this.freeCached.size > 0) {
      const s = this.freeCached.tail;
      const m = this.mapped[s];
      const k = Math.min(m, n - this.freeGroups);
      this.unmap(s, k);
      this.freeCachedGroups -= k;
      this.mapped[s] = m - k;
      if (m === k) {
        this.freeCached.remove(s);
        this.freeEmpty[this.freeEmptyTop++] = s;
      }
    }
    while (this.freeGroups < n && this.surplus.size > 0) {
      const s = this.surplus.tail;
      const m = this.mapped[s];
      const k = Math.min(m - this.need[s], n - this.freeGroups);
      this.unmap(s, k);
      this.setLive(s, m - k, this.need[s]);
    }
    if (this.freeGroups < n) throw new PolicyMisuseError(`vattention: reclaim(${n}) ran out (internal accounting bug)`);
  }

  /**
   * Groups a running slot with `g` needed groups and `tokens` tokens should have mapped: its need,
   * plus eager groups, plus the group the look-ahead tokens reach into.
   */
  private targetGroups(g: number, tokens: number): number {
    const ahead = this.options.lookaheadTokens > 0 ? this.groupsFor(Math.min(tokens + this.options.lookaheadTokens, this.maxTokensPerRequest)) : g;
    return Math.min(Math.max(g + this.options.eagerPages, ahead), this.pagesPerSlot);
  }

  /** Maps groups [first, first+count) of `slot` from the free pool; `ahead`: beyond what the slot needs now. */
  private map(id: number, slot: number, first: number, count: number, ahead: boolean): void {
    this.freeGroups -= count;
    const pages = count * this.buffers;
    this.stats.allocOps += pages;
    this.stats.allocTimeS += pages * this.pageCosts.mapS;
    if (ahead) {
      this.stats.aheadAllocOps! += pages;
      this.stats.aheadAllocTimeS! += pages * this.pageCosts.mapS;
    }
    this.ops?.push({ op: 'mapPages', requestId: id, slot, firstPage: first, count });
  }

  /** Unmaps the top `count` groups of `slot` (the caller updates `mapped`) back to the free pool. */
  private unmap(slot: number, count: number): void {
    this.freeGroups += count;
    const pages = count * this.buffers;
    this.stats.freeOps += pages;
    this.stats.allocTimeS += pages * this.pageCosts.unmapS;
    this.ops?.push({ op: 'unmapPages', slot, firstPage: this.mapped[slot] - count, count });
  }
}

function formatPage(bytes: number): string {
  return bytes >= 1 << 20 && bytes % (1 << 20) === 0 ? `${bytes / (1 << 20)}MiB` : `${bytes / 1024}KiB`;
}
