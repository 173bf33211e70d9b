import { checkTensorParallel, kvBytesPerToken } from '../model/derived.js';
import { emptySnapshot } from './emptySnapshot.js';
import { resolveHybridOptions, type HybridOptions, type ResolvedHybridOptions } from './HybridOptions.js';
import { policyBudgetBytes } from './kvBudget.js';
import type { AllocationStats, MemoryOp, MemoryPolicy, MemorySnapshot } from './MemoryPolicy.js';
import { PagedPolicy } from './PagedPolicy.js';
import type { PagedOptions } from './PagedOptions.js';
import type { PolicyContext } from './PolicyContext.js';
import { recurrentStateBytes } from './recurrentStateBytes.js';
import { RecurrentStatePolicy } from './RecurrentStatePolicy.js';
import { StaticPolicy } from './StaticPolicy.js';
import type { StaticOptions } from './StaticOptions.js';
import { VAttentionPolicy } from './VAttentionPolicy.js';
import type { VAttentionOptions } from './VAttentionOptions.js';

/** The KV policy serving a hybrid model's attention layers. */
export type AttentionPartPolicy = StaticPolicy | PagedPolicy | VAttentionPolicy;

/**
 * A model with attention and recurrent layers: one KV policy for the attention layers and one state
 * pool for the recurrent layers, over a budget split between them (see
 * {@link HybridOptions.recurrentFraction}). A request is admitted only when both parts have room
 * (checked first, so a refusal changes nothing); it grows only when its KV part can grow.
 * `snapshot()` and `stats` sum the parts; `parts` exposes each for per-part reporting.
 */
export class HybridPolicy implements MemoryPolicy {
  readonly kind = 'hybrid' as const;
  readonly label: string;
  readonly capacityBytes: number;
  readonly maxTokensPerRequest: number;
  readonly allocationMode: 'overlapped' | 'sync' | 'none';
  readonly options: ResolvedHybridOptions;
  readonly parts: { readonly attention: AttentionPartPolicy; readonly recurrent: RecurrentStatePolicy };
  /** Fraction of the budget the recurrent pool got. */
  readonly recurrentFraction: number;

  private readonly summed: AllocationStats = { allocOps: 0, freeOps: 0, allocTimeS: 0, refused: 0, aheadAllocTimeS: 0, aheadAllocOps: 0 };
  private refused = 0;
  private readonly a = emptySnapshot();
  private readonly r = emptySnapshot();

  constructor(ctx: PolicyContext, options: HybridOptions = {}) {
    checkTensorParallel(ctx.model, ctx.tp);
    const o = (this.options = resolveHybridOptions(options));
    const budget =
      policyBudgetBytes(ctx, o);
    const stateBytes = recurrentStateBytes(ctx.model, ctx.tp, o.recurrentOptions.stateDtype);
    const kvBytes = kvBytesPerToken(ctx.model, ctx.tp);
    this.recurrentFraction = o.recurrentFraction ?? stateBytes / (stateBytes + o.splitContextTokens * kvBytes);
    const recurrentBytes = Math.floor(budget * this.recurrentFraction);
    const attentionCtx = { ...ctx, capacityBytes: budget - recurrentBytes };
    const attention =
      o.attention === 'static'
        ? new StaticPolicy(attentionCtx, o.attentionOptions as StaticOptions)
        : o.attention === 'vattention'
          ? new VAttentionPolicy(attentionCtx, o.attentionOptions as VAttentionOptions)
          : new PagedPolicy(attentionCtx, o.attentionOptions as PagedOptions);
    const recurrent = new RecurrentStatePolicy({ ...ctx, capacityBytes: recurrentBytes }, o.recurrentOptions);
    this.parts = { attention, recurrent };
    this.capacityBytes = attention.capacityBytes + recurrent.capacityBytes;
    this.maxTokensPerRequest = attention.maxTokensPerRequest;
    this.allocationMode = attention.allocationMode;
    this.label = `hybrid(${attention.label}+${recurrent.label})`;
  }

  get stats(): AllocationStats {
    const a = this.parts.attention.stats;
    const r = this.parts.recurrent.stats;
    this.summed.allocOps = a.allocOps + r.allocOps;
    this.summed.freeOps = a.freeOps + r.freeOps;
    this.summed.allocTimeS = a.allocTimeS + r.allocTimeS;
    this.summed.aheadAllocTimeS = (a.aheadAllocTimeS ?? 0) + (r.aheadAllocTimeS ?? 0);
    this.summed.aheadAllocOps = (a.aheadAllocOps ?? 0) + (r.aheadAllocOps ?? 0);
    this.summed.refused = this.refused;
    return this.summed;
  }

  canAdmit(tokens: number): boolean {
    return this.parts.recurrent.canAdmit(tokens) && this.parts.attention.canAdmit(tokens);
  }

  admit(id: number, tokens: number): boolean {
    if (!this.canAdmit(tokens)) {
      this.refused++;
      return false;
    }
    // Both parts have room, so neither admit can fail half-way.
    this.parts.attention.admit(id, tokens);
    this.parts.recurrent.admit(id, tokens);
    return true;
  }

  grow(id: number, totalTokens: number): boolean {
    if (!this.parts.attention.grow(id, totalTokens)) return false;
    return this.parts.recurrent.grow(id, totalTokens);
  }

  tokenCapacity(id: number): number {
    return this.parts.attention.tokenCapacity(id);
  }

  endPlan(): void {
    (this.parts.attention as MemoryPolicy).endPlan?.();
  }

  release(id: number): void {
    this.parts.attention.release(id);
    this.parts.recurrent.release(id);
  }

  snapshot(out: MemorySnapshot = emptySnapshot()): MemorySnapshot {
    const a = this.parts.attention.snapshot(this.a);
    const r = this.parts.recurrent.snapshot(this.r);
    out.capacityBytes = a.capacityBytes + r.capacityBytes;
    out.liveBytes = a.liveBytes + r.liveBytes;
    out.allocatedBytes = a.allocatedBytes + r.allocatedBytes;
    out.reservedBytes = a.reservedBytes + r.reservedBytes;
    out.freeBytes = a.freeBytes + r.freeBytes;
    out.fragmentationBytes = a.fragmentationBytes + r.fragmentationBytes;
    out.eagerBytes = a.eagerBytes + r.eagerBytes;
    out.cachedBytes = a.cachedBytes + r.cachedBytes;
    out.requests = a.requests;
    return out;
  }

  takeOps(): MemoryOp[] {
    const a = this.parts.attention.takeOps();
    const r = this.parts.recurrent.takeOps();
    return r.length === 0 ? a : a.length === 0 ? r : a.concat(r);
  }

  /** Checks both parts and that they hold the same requests (tests). */
  checkInvariants(): void {
    this.parts.attention.checkInvariants();
    this.parts.recurrent.checkInvariants();
    const a = this.parts.attention.snapshot(this.a).requests;
    const r = this.parts.recurrent.snapshot(this.r).requests;
    if (a !== r) throw new Error(`hybrid: ${a} requests hold KV but ${r} hold state`);
  }
}
