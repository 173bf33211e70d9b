import { checkTensorParallel, kvBytesPerToken } from '../model/derived.js';
import { emptySnapshot, emptyStats, NO_OPS } from './emptySnapshot.js';
import { FixedSlotPool } from './FixedSlotPool.js';
import { policyBudgetBytes } from './kvBudget.js';
import type { AllocationStats, MemoryOp, MemoryPolicy, MemorySnapshot } from './MemoryPolicy.js';
import { OpLog } from './OpLog.js';
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

  private readonly slots: FixedSlotPool;
  private readonly slotTokens: Int32Array;
  private liveTokens = 0;
  private readonly ops: OpLog | null;

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
    this.slots = new FixedSlotPool(this.numSlots);
    this.slotTokens = new Int32Array(this.numSlots);
    this.ops = OpLog.when(ctx.recordOps);
  }

  canAdmit(tokens: number): boolean {
    return tokens <= this.maxTokensPerRequest && this.slots.hasFree;
  }

  admit(id: number, tokens: number): boolean {
    checkRequest(this.label, id, tokens);
    if (this.slots.slotOf(id) >= 0) throw duplicateRequest(this.label, id);
    if (!this.canAdmit(tokens)) {
      this.stats.refused++;
      return false;
    }
    const slot = this.slots.take(id);
    this.slotTokens[slot] = tokens;
    this.liveTokens += tokens;
    this.stats.allocOps++;
    this.ops?.push({ op: 'assignSlot', requestId: id, slot, part: 'kv' });
    return true;
  }

  grow(id: number, totalTokens: number): boolean {
    checkRequest(this.label, id, totalTokens);
    const slot = this.slots.slotOf(id);
    if (slot < 0) throw unknownRequest(this.label, id, 'grow');
    const old = this.slotTokens[slot];
    if (totalTokens < old) throw shrinkingGrow(this.label, id, old, totalTokens);
    if (totalTokens > this.maxTokensPerRequest) return false;
    this.slotTokens[slot] = totalTokens;
    this.liveTokens += totalTokens - old;
    return true;
  }

  tokenCapacity(id: number): number {
    if (this.slots.slotOf(id) < 0) throw unknownRequest(this.label, id, 'tokenCapacity');
    return this.maxTokensPerRequest;
  }

  release(id: number): void {
    if (this.slots.slotOf(id) < 0) throw unknownRequest(this.label, id, 'release');
    const slot = this.slots.give(id);
    this.liveTokens -= this.slotTokens[slot];
    this.slotTokens[slot] = 0;
    this.stats.freeOps++;
    this.ops?.push({ op: 'freeSlot', requestId: id, slot, part: 'kv' });
  }

  snapshot(out: MemorySnapshot = emptySnapshot()): MemorySnapshot {
    const requests = this.slots.used;
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
    return this.ops?.take() ?? NO_OPS;
  }

  /** Recomputes everything from scratch and throws on any inconsistency (tests). */
  checkInvariants(): void {
    this.slots.checkInvariants('static');
    // Free slots hold 0 tokens, so the sum over all slots is the sum over the owned ones.
    let tokens = 0;
    for (let s = 0; s < this.numSlots; s++) tokens += this.slotTokens[s];
    if (tokens !== this.liveTokens) throw new Error('static: live tokens drifted');
  }
}
