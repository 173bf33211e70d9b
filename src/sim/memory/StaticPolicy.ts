import { checkTensorParallel, kvBytesPerToken } from '../model/derived.js';
import { emptySnapshot, emptyStats, NO_OPS } from './emptySnapshot.js';
import { IdIndex } from './IdIndex.js';
import { policyBudgetBytes } from './kvBudget.js';
import type { AllocationStats, MemoryOp, MemoryPolicy, MemorySnapshot } from './MemoryPolicy.js';
import type { PolicyContext } from './PolicyContext.js';
import { checkRequest, duplicateRequest, PolicyMisuseError, shrinkingGrow, unknownRequest } from './requestChecks.js';
import { resolveStaticOptions, type ResolvedStaticOptions, type StaticOptions } from './StaticOptions.js';

/**
 * Static reservation (Orca / FasterTransformer): each admitted request gets a contiguous KV region
 * of `maxContextTokens` tokens, whatever it will use. The pool is cut into floor(budget / region)
 * slots up front; admission takes a free slot, growth never allocates, waste = reserved - live.
 * Allocation time is 0 (slot choice is CPU-side bookkeeping over memory allocated at start-up).
 */
export class StaticPolicy implements MemoryPolicy {
  readonly kind = 'static' as const;
  readonly label: string;
  readonly capacityBytes: number;
  readonly maxTokensPerRequest: number;
  readonly allocationMode = 'none' as const;
  readonly options: ResolvedStaticOptions;
  readonly stats: AllocationStats = emptyStats();

  readonly bytesPerToken: number;
  /** Bytes reserved per request: maxContextTokens * bytesPerToken. */
  readonly slotBytes: number;
  readonly numSlots: number;

  private readonly freeSlots: Int32Array;
  private freeTop: number;
  private readonly slotTokens: Int32Array;
  private readonly slotId: Int32Array;
  private readonly ids = new IdIndex();
  private liveTokens = 0;
  private ops: MemoryOp[] | null;

  constructor(ctx: PolicyContext, options: StaticOptions = {}) {
    checkTensorParallel(ctx.model, ctx.tp);
    this.options = resolveStaticOptions(options, ctx.model);
    this.maxTokensPerRequest = this.options.maxContextTokens;
    this.bytesPerToken = kvBytesPerToken(ctx.model, ctx.tp);
    if (this.bytesPerToken === 0) throw new PolicyMisuseError(`static: ${ctx.model.name} has no attention layers`);
    this.slotBytes = this.maxTokensPerRequest * this.bytesPerToken;
    const budget = policyBudgetBytes(ctx, this.options);
    this.numSlots = Math.floor(budget / this.slotBytes);
    this.capacityBytes = this.numSlots * this.slotBytes;
    this.label = `static(max=${this.maxTokensPerRequest})`;
    this.freeSlots = new Int32Array(this.numSlots);
    for (let i = 0; i < this.numSlots; i++) this.freeSlots[i] = this.numSlots - 1 - i;
    this.freeTop = this.numSlots;
    this.slotTokens = new Int32Array(this.numSlots);
    this.slotId = new Int32Array(this.numSlots).fill(-1);
    this.ops = ctx.recordOps ? [] : null;
  }

  canAdmit(tokens: number): boolean {
    return tokens <= this.maxTokensPerRequest && this.freeTop > 0;
  }

  admit(id: number, tokens: number): boolean {
    checkRequest(this.label, id, tokens);
    if (this.ids.get(id) >= 0) throw duplicateRequest(this.label, id);
    if (!this.canAdmit(tokens)) {
      this.stats.refused++;
      return false;
    }
    const slot = this.freeSlots[--this.freeTop];
    this.slotId[slot] = id;
    this.slotTokens[slot] = tokens;
    this.ids.set(id, slot);
    this.liveTokens += tokens;
    this.stats.allocOps++;
    this.ops?.push({ op: 'assignSlot', requestId: id, slot, part: 'kv' });
    return true;
  }

  grow(id: number, totalTokens: number): boolean {
    checkRequest(this.label, id, totalTokens);
    const slot = this.ids.get(id);
    if (slot < 0) throw unknownRequest(this.label, id, 'grow');
    const old = this.slotTokens[slot];
    if (totalTokens < old) throw shrinkingGrow(this.label, id, old, totalTokens);
    if (totalTokens > this.maxTokensPerRequest) return false;
    this.slotTokens[slot] = totalTokens;
    this.liveTokens += totalTokens - old;
    return true;
  }

  tokenCapacity(id: number): number {
    if (this.ids.get(id) < 0) throw unknownRequest(this.label, id, 'tokenCapacity');
    return this.maxTokensPerRequest;
  }

  release(id: number): void {
    const slot = this.ids.get(id);
    if (slot < 0) throw unknownRequest(this.label, id, 'release');
    this.liveTokens -= this.slotTokens[slot];
    this.slotTokens[slot] = 0;
    this.slotId[slot] = -1;
    this.freeSlots[this.freeTop++] = slot;
    this.ids.delete(id);
    this.stats.freeOps++;
    this.ops?.push({ op: 'freeSlot', requestId: id, slot, part: 'kv' });
  }

  snapshot(out: MemorySnapshot = emptySnapshot()): MemorySnapshot {
    const requests = this.numSlots - this.freeTop;
    const allocated = requests * this.slotBytes;
    const live = this.liveTokens * this.bytesPerToken;
    out.capacityBytes = this.capacityBytes;
    out.liveBytes = live;
    out.allocatedBytes = allocated;
    out.reservedBytes = allocated;
    out.freeBytes = this.capacityBytes - allocated;
    out.fragmentationBytes = allocated - live;
    out.eagerBytes = 0;
    out.cachedBytes = 0;
    out.requests = requests;
    return out;
  }

  takeOps(): MemoryOp[] {
    if (!this.ops || this.ops.length === 0) return NO_OPS;
    const ops = this.ops;
    this.ops = [];
    return ops;
  }

  /** Recomputes everything from scratch and throws on any inconsistency (tests). */
  checkInvariants(): void {
    const seen = new Uint8Array(this.numSlots);
    for (let i = 0; i < this.freeTop; i++) {
      const s = this.freeSlots[i];
      if (seen[s] || this.slotId[s] !== -1) throw new Error(`static: slot ${s} free twice or free while owned`);
      seen[s] = 1;
    }
    let tokens = 0;
    for (let s = 0; s < this.numSlots; s++) {
      if (seen[s]) continue;
      const id = this.slotId[s];
      if (id < 0 || this.ids.get(id) !== s) throw new Error(`static: slot ${s} neither free nor owned`);
      tokens += this.slotTokens[s];
    }
    if (tokens !== this.liveTokens) throw new Error('static: live tokens drifted');
  }
}
