import { UserError } from '../../errors.js';
import { attentionLayers, checkTensorParallel, kvBytesPerTokenPerLayer } from '../model/derived.js';
import { emptySnapshot, emptyStats, NO_OPS } from './emptySnapshot.js';
import { IdIndex } from './IdIndex.js';
import { policyBudgetBytes } from './kvBudget.js';
import type { AllocationStats, MemoryOp, MemoryPolicy, MemorySnapshot } from './MemoryPolicy.js';
import { OpLog } from './OpLog.js';
import type { PolicyContext } from './PolicyContext.js';
import { checkRequest, duplicateRequest, PolicyMisuseError, shrinkingGrow, unknownRequest } from './requestChecks.js';
import { resolveVAttentionOptions, type ResolvedVAttentionOptions, type VAttentionOptions } from './VAttentionOptions.js';
import { bestFitSlot } from './vattention/bestFitSlot.js';
import { vmmPageCosts, type VmmPageCosts } from './vmmPageCosts.js';

/**
 * vAttention as its authors run it (github.com/microsoft/vattention: vattention/vattention.cu and
 * sarathi-lean's vATTN_cache_engine.py / vattention_block_space_manager.py).
 *
 * Virtual buffers: perLayer = 2L (K and V of every attention layer), megacache = 2 (one K and one V
 * spanning all layers). Each is maxBatch * S bytes, S = roundUp(maxContext * tokenBytesPerBuffer,
 * pageSize) (vattention.cu init_buffer_sizes); slot r owns [r*S, (r+1)*S). A *page group* is one page
 * in every buffer; it adds pageSize / tokenBytesPerBuffer tokens. Physical pages are created up front
 * (reserve_physical_pages), so steady state costs only map / unmap calls.
 *
 * The mapping loop (vattention.cu step_async):
 * - synchronous, in admit/grow: what the iteration itself needs and is not mapped yet
 *   (prepare_prefill_kvcache → map_pages_for_curr_step), reclaiming on demand first — stall;
 * - background, in {@link endPlan} (do_kvcache_memory_management, spawned after the synchronous part
 *   and waited for at the next step): the next token's groups for every running request, reclaiming
 *   cached pages first when free pages are short, then eager groups up to EAGER_NUM_STEPS tokens
 *   ahead until EAGER_NUM_KVBLOCKS groups were mapped — counted in aheadAllocOps/aheadAllocTimeS,
 *   the work that overlaps compute.
 * Admission (sarathi-lean can_allocate): free groups + groups mapped beyond need (cached in free slots
 * or ahead in running ones) - needed >= 1% watermark, and a free slot (best fit, alloc_new_batch_idx).
 * Reclaim (reclaim_kvblocks_on_demand): slots from the highest index down, each cut to its need.
 */
export class VAttentionPolicy implements MemoryPolicy {
  readonly kind = 'vattention' as const;
  readonly label: string;
  readonly capacityBytes: number;
  readonly maxTokensPerRequest: number;
  readonly allocationMode: 'overlapped' | 'sync';
  readonly options: ResolvedVAttentionOptions;
  readonly stats: AllocationStats = emptyStats();

  /** Virtual buffers: 2L (perLayer) or 2 (megacache). A page group is one page in each. */
  readonly buffers: number;
  /** Attention layers L. */
  readonly layers: number;
  /** Bytes of K (or V) per token in one buffer: Hkv*D*b (perLayer) or Hkv*D*b*L (megacache). */
  readonly tokenBytesPerBuffer: number;
  /** KV bytes per token, all layers: 2L*Hkv*D*b. */
  readonly bytesPerToken: number;
  readonly pageSizeBytes: number;
  /** Tokens one page group adds (pageSize / tokenBytesPerBuffer; fractional when it does not divide). */
  readonly tokensPerGroup: number;
  /** One page in each buffer: buffers * pageSize. */
  readonly groupBytes: number;
  /** Pages per slot in each buffer: S / pageSize (vattention.cu max_pages_per_req). */
  readonly pagesPerSlot: number;
  /** Most groups a running slot holds beyond its need from eager pages and the background look-ahead. */
  readonly aheadAllowance: number;
  /** S: bytes each slot spans in each buffer. */
  readonly slotBytesPerBuffer: number;
  readonly maxBatch: number;
  /** Virtual address space reserved: buffers * maxBatch * S. */
  readonly virtualBytes: number;
  /** Page groups in the physical pool. */
  readonly poolGroups: number;
  /** Groups a new request must leave free (int(watermark * poolGroups)). */
  readonly watermarkGroups: number;
  readonly pageCosts: VmmPageCosts;
  /** One-off cost of creating the physical pool (cuMemCreate per page), not part of `stats`. */
  readonly setupTimeS: number;
  /** Modelled time to map / unmap one page group (one call per buffer). */
  readonly mapGroupS: number;
  readonly unmapGroupS: number;

  private freeGroups: number;
  private freeSlots: number;
  private readonly ids = new IdIndex();
  private readonly slotId: Int32Array;
  private readonly mapped: Int32Array;
  private readonly need: Int32Array;
  private readonly tokens: Int32Array;
  /** Running slots in slot order, rebuilt by endPlan (scratch, no allocation per call). */
  private readonly order: Int32Array;
  private freeCachedGroups = 0;
  private freeSlotsWithPages = 0;
  private liveSurplusGroups = 0;
  private liveEagerGroups = 0;
  private liveNeedGroups = 0;
  private liveTokens = 0;
  private requests = 0;
  private readonly ops: OpLog | null;

  constructor(ctx: PolicyContext, options: VAttentionOptions = {}) {
    checkTensorParallel(ctx.model, ctx.tp);
    const o = (this.options = resolveVAttentionOptions(options, ctx.model, ctx.maxNumSeqs));
    const layers = attentionLayers(ctx.model);
    if (layers.length === 0) throw new PolicyMisuseError(`vattention: ${ctx.model.name} has no attention layers`);
    const perLayer = kvBytesPerTokenPerLayer(layers[0], ctx.tp);
    for (const l of layers) {
      if (kvBytesPerTokenPerLayer(l, ctx.tp) !== perLayer) {
        throw new UserError('UNSUPPORTED_MODEL', `vattention needs the same KV shape in every attention layer; ${ctx.model.name} mixes them`);
      }
    }
    this.layers = layers.length;
    const mega = o.layout === 'megacache';
    // vattention.cu init_kv_block_size / init_buffer_sizes: megacache puts all layers of a token in one row.
    this.buffers = mega ? 2 : 2 * layers.length;
    this.tokenBytesPerBuffer = mega ? perLayer * layers.length : perLayer;
    this.bytesPerToken = 2 * layers.length * perLayer;
    this.pageSizeBytes = o.pageSizeBytes;
    this.tokensPerGroup = this.pageSizeBytes / this.tokenBytesPerBuffer;
    this.groupBytes = this.buffers * this.pageSizeBytes;
    this.maxTokensPerRequest = o.maxContextTokens;
    this.pagesPerSlot = Math.ceil((o.maxContextTokens * this.tokenBytesPerBuffer) / this.pageSizeBytes);
    this.slotBytesPerBuffer = this.pagesPerSlot * this.pageSizeBytes;
    const aheadTokens = Math.max(0, o.eagerSteps - 1);
    this.aheadAllowance = o.eagerPages + (aheadTokens > 0 ? Math.floor(aheadTokens / this.tokensPerGroup) + 1 : 0);
    // utils.h get_num_phys_blocks: whole pages, rounded down to a multiple of 2 * num_layers (both layouts).
    let pages = Math.floor(policyBudgetBytes(ctx, o) / this.pageSizeBytes);
    pages -= pages % (2 * layers.length);
    this.poolGroups = pages / this.buffers;
    this.capacityBytes = this.poolGroups * this.groupBytes;
    this.watermarkGroups = Math.floor(o.watermark * this.poolGroups);
    this.maxBatch = o.maxBatch;
    const perSlotVirtual = this.buffers * this.slotBytesPerBuffer;
    this.virtualBytes = this.maxBatch * perSlotVirtual;
    if (this.virtualBytes > ctx.hardware.virtualAddressBytes) {
      throw new UserError(
        'VIRTUAL_ADDRESS_SPACE',
        `vattention: maxBatch=${this.maxBatch} x maxContextTokens=${o.maxContextTokens} needs ${this.buffers} buffers of ` +
          `${this.maxBatch} x ${this.slotBytesPerBuffer} bytes = ${this.virtualBytes} bytes of virtual address space, more than ` +
          `${ctx.hardware.name}'s ${ctx.hardware.virtualAddressBytes}; lower maxBatch (at most ${Math.floor(ctx.hardware.virtualAddressBytes / perSlotVirtual)}) or maxContextTokens`,
      );
    }
    this.allocationMode = o.mapping;
    this.pageCosts = vmmPageCosts(ctx.hardware, this.pageSizeBytes, o.assumePageCostS);
    this.mapGroupS = this.buffers * this.pageCosts.mapS;
    this.unmapGroupS = this.buffers * this.pageCosts.unmapS;
    this.setupTimeS = this.poolGroups * this.buffers * this.pageCosts.createS;
    this.freeGroups = this.poolGroups;
    this.label = vattentionLabel(o);

    const n = this.maxBatch;
    this.slotId = new Int32Array(n).fill(-1);
    this.mapped = new Int32Array(n);
    this.need = new Int32Array(n);
    this.tokens = new Int32Array(n);
    this.order = new Int32Array(n);
    this.freeSlots = n;
    this.ops = OpLog.when(ctx.recordOps);
  }

  /** Page groups that hold `tokens` tokens (token t sits at t * tokenBytesPerBuffer in each buffer). */
  groupsFor(tokens: number): number {
    return Math.ceil((tokens * this.tokenBytesPerBuffer) / this.pageSizeBytes);
  }

  /** Tokens `groups` page groups hold. */
  tokensIn(groups: number): number {
    return Math.min(Math.floor((groups * this.pageSizeBytes) / this.tokenBytesPerBuffer), this.maxTokensPerRequest);
  }

  /** The slot request `id` runs in, -1 if none. */
  slotOf(id: number): number {
    return this.ids.get(id);
  }

  /** Byte offset of page `page` of `slot` inside each virtual buffer: slot*S + page*pageSize. */
  pageOffsetBytes(slot: number, page: number): number {
    return slot * this.slotBytesPerBuffer + page * this.pageSizeBytes;
  }

  /** Size of each virtual buffer: maxBatch * S. */
  get bufferBytes(): number {
    return this.maxBatch * this.slotBytesPerBuffer;
  }

  /** Page groups mapped in `slot` (running or free). */
  mappedGroups(slot: number): number {
    return this.mapped[slot];
  }

  /**
   * vAttention's num_free_kvblocks: free groups plus groups mapped beyond need (cached in free slots,
   * ahead in running ones) — what can be mapped now, reclaiming if need be.
   */
  get availableGroups(): number {
    return this.freeGroups + this.freeCachedGroups + this.liveSurplusGroups;
  }

  canAdmit(tokens: number): boolean {
    // sarathi-lean vattention_block_space_manager.py can_allocate (promised blocks are already
    // mapped here: kvsim maps at admission) plus a free slot (alloc_new_batch_idx must not fail).
    return tokens <= this.maxTokensPerRequest && this.freeSlots > 0 && this.availableGroups - this.groupsFor(tokens) >= this.watermarkGroups;
  }

  admit(id: number, tokens: number): boolean {
    checkRequest(this.label, id, tokens);
    if (this.ids.get(id) >= 0) throw duplicateRequest(this.label, id);
    if (!this.canAdmit(tokens)) {
      this.stats.refused++;
      return false;
    }
    const g = this.groupsFor(tokens);
    const slot = bestFitSlot(this.slotId, this.mapped, this.maxBatch, g);
    const have = this.mapped[slot];
    if (have > 0) {
      this.freeCachedGroups -= have;
      this.freeSlotsWithPages--;
    }
    this.freeSlots--;
    this.slotId[slot] = id;
    this.ids.set(id, slot);
    this.requests++;
    this.tokens[slot] = tokens;
    this.liveTokens += tokens;
    this.ops?.push({ op: 'assignSlot', requestId: id, slot, part: 'kv' });
    // Enter the running set holding what it inherited and needing nothing, then raise the need.
    this.need[slot] = 0;
    this.mapped[slot] = 0;
    this.setLive(slot, have, 0);
    this.raiseNeed(id, slot, g);
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
    // Fast path (almost every decode step): the need stays in the same group and no eager top-up is due.
    if (g === this.need[slot] && (m >= this.eagerTarget(g) || this.freeGroups === 0)) {
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
    this.raiseNeed(id, slot, g);
    return true;
  }

  /**
   * The background step of vattention.cu do_kvcache_memory_management, run once the iteration is
   * planned (the engine calls it; step_async spawns it after the synchronous part). Everything it
   * maps or unmaps is ahead-of-need work that overlaps the iteration's compute. No-op with 'sync'.
   */
  endPlan(): void {
    if (this.allocationMode !== 'overlapped') return;
    const order = this.order;
    let running = 0;
    for (let s = 0; s < this.maxBatch && running < this.requests; s++) if (this.slotId[s] >= 0) order[running++] = s;
    // 1. What the next step needs (need_new_page_async with eager_step_count = 1), over all requests.
    let required = 0;
    for (let i = 0; i < running; i++) required += this.needAhead(order[i], 1);
    // 2. Reclaim in the background when free pages are short; give up for this step if still short.
    if (this.freeGroups < required) this.reclaimOnDemand(required, true);
    if (this.freeGroups < required) return;
    // 3. Map step 1 for everyone, then steps 2 .. EAGER_NUM_STEPS-1 until EAGER_NUM_KVBLOCKS were mapped.
    //    vAttention counts attempts, mapped or not (grow_kvcache_phys with sync=false is a no-op when
    //    free pages are short), and checks the budget after each slot index from step 2 on.
    let counted = 0;
    const steps = this.options.eagerSteps;
    const budget = this.options.eagerGroupsPerStep;
    for (let k = 1; k < steps; k++) {
      if (k >= 2 && counted >= budget) {
        // The check after slot index 0 ends the loop; only slot 0 gets its step-k groups first.
        if (this.slotId[0] >= 0) this.mapAhead(0, this.needAhead(0, k));
        break;
      }
      let done = false;
      for (let i = 0; i < running; i++) {
        const s = order[i];
        const n = this.needAhead(s, k);
        this.mapAhead(s, n);
        counted += n;
        if (k >= 2 && counted >= budget) {
          done = true;
          break;
        }
      }
      if (done) break;
    }
    // 4. Trickle reclamation, only when deferred reclamation is off and nothing was needed (do_reclaim_pages).
    if (required > 0 || this.options.deferredReclamation) return;
    let nextPrefill = -1;
    for (let s = 0; s < this.maxBatch; s++) {
      if (this.slotId[s] < 0) {
        nextPrefill = s;
        break;
      }
    }
    for (let s = this.maxBatch - 1; s >= 0; s--) {
      if (this.slotId[s] >= 0 || s === nextPrefill || this.mapped[s] === 0) continue;
      this.unmap(s, 1, true);
      this.dropCached(s, 1);
      break;
    }
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
    this.freeSlots++;
    this.slotId[slot] = -1;
    this.ids.delete(id);
    this.ops?.push({ op: 'freeSlot', requestId: id, slot, part: 'kv' });
    this.mapped[slot] = m;
    if (m === 0) return;
    // Sync without deferral: step_sync(eager_reclaim=true) unmaps a free slot's pages at the next step.
    if (this.allocationMode === 'sync' && !this.options.deferredReclamation) {
      this.unmap(slot, m, false);
      this.mapped[slot] = 0;
    } else {
      this.freeCachedGroups += m;
      this.freeSlotsWithPages++;
    }
  }

  snapshot(out: MemorySnapshot = emptySnapshot()): MemorySnapshot {
    const gb = this.groupBytes;
    const allocated = (this.poolGroups - this.freeGroups) * gb;
    const live = this.liveTokens * this.bytesPerToken;
    out.capacityBytes = this.capacityBytes;
    out.liveBytes = live;
    out.allocatedBytes = allocated;
    // Virtual ranges holding memory: running slots and free slots whose pages stay mapped (a slot's
    // mapped pages never exceed its range, so reserved >= allocated).
    out.reservedBytes = (this.requests + this.freeSlotsWithPages) * this.buffers * this.slotBytesPerBuffer;
    out.freeBytes = this.capacityBytes - allocated;
    out.fragmentationBytes = this.liveNeedGroups * gb - live;
    out.eagerBytes = this.liveEagerGroups * gb;
    out.cachedBytes = (this.freeCachedGroups + this.liveSurplusGroups - this.liveEagerGroups) * gb;
    out.requests = this.requests;
    return out;
  }

  takeOps(): MemoryOp[] {
    return this.ops?.take() ?? NO_OPS;
  }

  /** Recomputes every total from the per-slot arrays; throws on any inconsistency (tests). */
  checkInvariants(): void {
    let mappedSum = 0;
    let needSum = 0;
    let surplusSum = 0;
    let eagerSum = 0;
    let cachedSum = 0;
    let cachedSlots = 0;
    let tokenSum = 0;
    let requests = 0;
    for (let s = 0; s < this.maxBatch; s++) {
      const m = this.mapped[s];
      if (m < 0 || m > this.pagesPerSlot) throw new Error(`vattention: slot ${s} maps ${m} groups`);
      mappedSum += m;
      const id = this.slotId[s];
      if (id >= 0) {
        requests++;
        if (this.ids.get(id) !== s) throw new Error(`vattention: slot ${s} and id ${id} disagree`);
        if (this.need[s] !== this.groupsFor(this.tokens[s]) || m < this.need[s]) throw new Error(`vattention: slot ${s} under-mapped`);
        needSum += this.need[s];
        const sur = m - this.need[s];
        surplusSum += sur;
        eagerSum += Math.min(sur, this.aheadAllowance);
        tokenSum += this.tokens[s];
      } else {
        if (this.need[s] !== 0 || this.tokens[s] !== 0) throw new Error(`vattention: free slot ${s} keeps a need`);
        cachedSum += m;
        if (m > 0) cachedSlots++;
      }
    }
    if (mappedSum + this.freeGroups !== this.poolGroups) throw new Error(`vattention: ${mappedSum} mapped + ${this.freeGroups} free != ${this.poolGroups}`);
    if (needSum !== this.liveNeedGroups || surplusSum !== this.liveSurplusGroups || eagerSum !== this.liveEagerGroups) {
      throw new Error('vattention: running totals drifted');
    }
    if (cachedSum !== this.freeCachedGroups || cachedSlots !== this.freeSlotsWithPages || tokenSum !== this.liveTokens || requests !== this.requests) {
      throw new Error('vattention: free/live totals drifted');
    }
    if (this.freeSlots !== this.maxBatch - requests) throw new Error('vattention: free slot count drifted');
  }

  /** Sets a running slot's mapped and needed groups, keeping the running totals in step. */
  private setLive(slot: number, mapped: number, need: number): void {
    const e = this.aheadAllowance;
    const oldSur = this.mapped[slot] - this.need[slot];
    const newSur = mapped - need;
    this.liveSurplusGroups += newSur - oldSur;
    this.liveEagerGroups += Math.min(newSur, e) - Math.min(oldSur, e);
    this.liveNeedGroups += need - this.need[slot];
    this.mapped[slot] = mapped;
    this.need[slot] = need;
  }

  /**
   * Raises a running slot's need to `g` groups, mapping what is missing now (map_pages_for_curr_step:
   * reclaim on demand, then map — all on the critical path), then tops up eager pages from free ones.
   * The caller checked there is room.
   */
  private raiseNeed(id: number, slot: number, g: number): void {
    const m = this.mapped[slot];
    if (g <= m) {
      this.setLive(slot, m, g);
    } else {
      this.setLive(slot, m, m); // its own surplus is spent first, and is not reclaimable meanwhile
      if (this.freeGroups < g - m) this.reclaimOnDemand(g - m, false);
      this.map(id, slot, m, g - m, false);
      this.setLive(slot, g, g);
    }
    const extra = Math.min(this.eagerTarget(g) - this.mapped[slot], this.freeGroups);
    if (extra > 0) {
      const first = this.mapped[slot];
      this.map(id, slot, first, extra, true);
      this.setLive(slot, first + extra, g);
    }
  }

  /** Groups with eager pages (kvsim extension): the need plus eagerPages, within the slot. */
  private eagerTarget(g: number): number {
    return Math.min(g + this.options.eagerPages, this.pagesPerSlot);
  }

  /** need_new_page_async: groups running slot `s` lacks for `k` more tokens (none past its range). */
  private needAhead(s: number, k: number): number {
    const m = this.mapped[s];
    if (m >= this.pagesPerSlot) return 0;
    const want = Math.min(this.groupsFor(this.tokens[s] + k), this.pagesPerSlot);
    return want > m ? want - m : 0;
  }

  /** grow_kvcache_phys(sync=false): maps `n` groups ahead for running slot `s`, or nothing if free pages are short. */
  private mapAhead(s: number, n: number): void {
    if (n <= 0 || this.freeGroups < n) return;
    const first = this.mapped[s];
    this.map(this.slotId[s], s, first, n, true);
    this.setLive(s, first + n, this.need[s]);
  }

  /**
   * reclaim_kvblocks_on_demand: from the highest slot down, cut each slot to its need (a free slot
   * to nothing, a running one to its tokens' groups) until `n` groups are free. `ahead`: the
   * background thread does it.
   */
  private reclaimOnDemand(n: number, ahead: boolean): void {
    for (let s = this.maxBatch - 1; s >= 0 && this.freeGroups < n; s--) {
      const m = this.mapped[s];
      const keep = this.need[s];
      if (m <= keep) continue;
      this.unmap(s, m - keep, ahead);
      if (this.slotId[s] >= 0) this.setLive(s, keep, keep);
      else this.dropCached(s, m);
    }
    if (!ahead && this.freeGroups < n) throw new PolicyMisuseError(`vattention: reclaim(${n}) ran out (internal accounting bug)`);
  }

  /** Lowers free slot `s`'s mapped groups by `k` (already unmapped), keeping the cached totals. */
  private dropCached(s: number, k: number): void {
    this.mapped[s] -= k;
    this.freeCachedGroups -= k;
    if (this.mapped[s] === 0) this.freeSlotsWithPages--;
  }

  /** Maps groups [first, first+count) of `slot` from the free pool; `ahead`: background work. */
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

  /** Unmaps the top `count` groups of `slot` (the caller updates `mapped`); `ahead`: background work. */
  private unmap(slot: number, count: number, ahead: boolean): void {
    this.freeGroups += count;
    const pages = count * this.buffers;
    this.stats.freeOps += pages;
    this.stats.allocTimeS += pages * this.pageCosts.unmapS;
    if (ahead) {
      this.stats.aheadAllocOps! += pages;
      this.stats.aheadAllocTimeS! += pages * this.pageCosts.unmapS;
    }
    this.ops?.push({ op: 'unmapPages', slot, firstPage: this.mapped[slot] - count, count });
  }
}

/**
 * The label: page size plus every non-default mapping choice (outputs of different configurations must
 * differ). maxBatch and an assumed small-page cost are not in it: the scheduler label carries
 * maxNumSeqs, and the run's policyOptions carry assumePageCostS.
 */
function vattentionLabel(o: ResolvedVAttentionOptions): string {
  const overlapped = o.mapping === 'overlapped';
  const extras = [
    o.layout === 'megacache' ? 'megacache' : '',
    overlapped ? '' : 'sync',
    o.deferredReclamation !== overlapped ? `deferred=${o.deferredReclamation}` : '',
    o.eagerSteps !== (overlapped ? 10 : 0) ? `eagerSteps=${o.eagerSteps}` : '',
    o.eagerGroupsPerStep !== 2 ? `eagerGroups=${o.eagerGroupsPerStep}` : '',
    o.eagerPages > 0 ? `eager=${o.eagerPages}` : '',
    o.watermark !== 0.01 ? `watermark=${o.watermark}` : '',
    o.maxBatchCappedFrom !== undefined ? `slots=${o.maxBatch} capped` : '',
    // Small pages are priced from an assumed per-call cost (nothing measured or published): say so.
    o.assumePageCostS !== undefined && o.assumePageCostS > 0 && o.pageSizeBytes < 2 * 1024 * 1024 ? `assumed map ${+(o.assumePageCostS * 1e6).toFixed(3)}us` : '',
  ].filter((x) => x !== '');
  return `vattention(page=${formatPage(o.pageSizeBytes)}${extras.map((x) => `, ${x}`).join('')})`;
}

function formatPage(bytes: number): string {
  return bytes >= 1 << 20 && bytes % (1 << 20) === 0 ? `${bytes / (1 << 20)}MiB` : `${bytes / 1024}KiB`;
}
