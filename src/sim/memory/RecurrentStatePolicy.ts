import { checkTensorParallel } from '../model/derived.js';
import { emptySnapshot, emptyStats, NO_OPS } from './emptySnapshot.js';
import { FixedSlotPool } from './FixedSlotPool.js';
import { policyBudgetBytes } from './kvBudget.js';
import type { AllocationStats, MemoryOp, MemoryPolicy, MemorySnapshot } from './MemoryPolicy.js';
import { OpLog } from './OpLog.js';
import type { PolicyContext } from './PolicyContext.js';
import { recurrentStateBytes } from './recurrentStateBytes.js';
import { resolveRecurrentOptions, type RecurrentOptions, type ResolvedRecurrentOptions } from './RecurrentOptions.js';
import { checkRequest, duplicateRequest, PolicyMisuseError, shrinkingGrow, unknownRequest } from './requestChecks.js';

/**
 * Constant-size recurrent state (xLSTM mLSTM/sLSTM): one state slot per request, allocated at
 * admission, the same size at 10 tokens and at 100k. Capacity = floor(budget / stateBytes) requests,
 * independent of context length; growth never allocates. Slots come from a pool carved up front, so
 * taking one costs no allocation time (zeroing the state is compute, the cost model's business).
 */
export class RecurrentStatePolicy implements MemoryPolicy {
  readonly kind = 'recurrent' as const;
  readonly label: string;
  readonly capacityBytes: number;
  readonly maxTokensPerRequest = Number.POSITIVE_INFINITY;
  readonly allocationMode = 'none' as const;
  readonly options: ResolvedRecurrentOptions;
  readonly stats: AllocationStats = emptyStats();

  /** State bytes of one request, all recurrent layers, one GPU. */
  readonly stateBytes: number;
  readonly numSlots: number;

  private readonly slots: FixedSlotPool;
  private readonly tokens: Float64Array;
  private readonly ops: OpLog | null;

  constructor(ctx: PolicyContext, options: RecurrentOptions = {}) {
    checkTensorParallel(ctx.model, ctx.tp);
    this.options = resolveRecurrentOptions(options);
    this.stateBytes = recurrentStateBytes(ctx.model, ctx.tp, this.options.stateDtype);
    if (this.stateBytes === 0) throw new PolicyMisuseError(`recurrent: ${ctx.model.name} has no recurrent layers`);
    const budget = policyBudgetBytes(ctx, this.options);
    this.numSlots = Math.floor(budget / this.stateBytes);
    this.capacityBytes = this.numSlots * this.stateBytes;
    this.label = `recurrent(state=${(this.stateBytes / 2 ** 20).toFixed(2)}MiB)`;
    this.slots = new FixedSlotPool(this.numSlots);
    this.tokens = new Float64Array(this.numSlots);
    this.ops = OpLog.when(ctx.recordOps);
  }

  canAdmit(_tokens: number): boolean {
    return this.slots.hasFree;
  }

  admit(id: number, tokens: number): boolean {
    checkRequest(this.label, id, tokens);
    if (this.slots.slotOf(id) >= 0) throw duplicateRequest(this.label, id);
    if (!this.slots.hasFree) {
      this.stats.refused++;
      return false;
    }
    const slot = this.slots.take(id);
    this.tokens[slot] = tokens;
    this.stats.allocOps++;
    this.ops?.push({ op: 'assignSlot', requestId: id, slot, part: 'state' });
    return true;
  }

  grow(id: number, totalTokens: number): boolean {
    checkRequest(this.label, id, totalTokens);
    const slot = this.slots.slotOf(id);
    if (slot < 0) throw unknownRequest(this.label, id, 'grow');
    if (totalTokens < this.tokens[slot]) throw shrinkingGrow(this.label, id, this.tokens[slot], totalTokens);
    this.tokens[slot] = totalTokens;
    return true;
  }

  tokenCapacity(id: number): number {
    if (this.slots.slotOf(id) < 0) throw unknownRequest(this.label, id, 'tokenCapacity');
    return Number.POSITIVE_INFINITY;
  }

  /** The state slot request `id` holds, -1 if none (the GPU backend indexes its state pool with it). */
  slotOf(id: number): number {
    return this.slots.slotOf(id);
  }

  release(id: number): void {
    if (this.slots.slotOf(id) < 0) throw unknownRequest(this.label, id, 'release');
    const slot = this.slots.give(id);
    this.tokens[slot] = 0;
    this.stats.freeOps++;
    this.ops?.push({ op: 'freeSlot', requestId: id, slot, part: 'state' });
  }

  snapshot(out: MemorySnapshot = emptySnapshot()): MemorySnapshot {
    const requests = this.slots.used;
    const allocated = requests * this.stateBytes;
    out.capacityBytes = this.capacityBytes;
    out.liveBytes = allocated;
    out.allocatedBytes = allocated;
    out.reservedBytes = allocated;
    out.freeBytes = this.capacityBytes - allocated;
    out.fragmentationBytes = 0;
    out.eagerBytes = 0;
    out.cachedBytes = 0;
    out.requests = requests;
    return out;
  }

  takeOps(): MemoryOp[] {
    return this.ops?.take() ?? NO_OPS;
  }

  /** Recomputes ownership from scratch and throws on any inconsistency (tests). */
  checkInvariants(): void {
    this.slots.checkInvariants('recurrent');
  }
}
