import type { MemoryOp } from '../memory/MemoryPolicy.js';
import type { IterationPlan } from './IterationPlan.js';

const NO_OPS: readonly MemoryOp[] = [];

/**
 * The iteration plan the engine hands to an executor, with its arrays reused from one iteration to
 * the next (grown by doubling, never shrunk), plus the engine-side slot of each entry.
 */
export class BatchPlan implements IterationPlan {
  index = 0;
  startS = 0;
  batchSize = 0;
  requestIds = new Int32Array(64);
  prefillTokens = new Int32Array(64);
  decodeTokens = new Int32Array(64);
  contextTokens = new Int32Array(64);
  allocOps = 0;
  allocTimeS = 0;
  aheadAllocOps = 0;
  aheadAllocTimeS = 0;
  memoryOps: readonly MemoryOp[] = NO_OPS;
  /** Engine slot of each entry. */
  slots = new Int32Array(64);

  clear(): void {
    this.batchSize = 0;
    this.allocOps = 0;
    this.allocTimeS = 0;
    this.aheadAllocOps = 0;
    this.aheadAllocTimeS = 0;
    this.memoryOps = NO_OPS;
  }

  add(slot: number, requestId: number, prefillTokens: number, decodeTokens: number, contextTokens: number): void {
    if (this.batchSize === this.slots.length) this.grow();
    const i = this.batchSize++;
    this.slots[i] = slot;
    this.requestIds[i] = requestId;
    this.prefillTokens[i] = prefillTokens;
    this.decodeTokens[i] = decodeTokens;
    this.contextTokens[i] = contextTokens;
  }

  /**
   * Takes the entry of engine slot `slot` out of the plan (a V1 priority preemption of a request
   * already batched this step), keeping the order of the others; returns the tokens it had scheduled.
   */
  removeSlot(slot: number): number {
    const n = this.batchSize;
    let i = 0;
    while (i < n && this.slots[i] !== slot) i++;
    if (i === n) return 0;
    const tokens = this.prefillTokens[i] + this.decodeTokens[i];
    for (const a of [this.slots, this.requestIds, this.prefillTokens, this.decodeTokens, this.contextTokens]) a.copyWithin(i, i + 1, n);
    this.batchSize = n - 1;
    return tokens;
  }

  private grow(): void {
    const n = this.slots.length * 2;
    const g = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.slots = g(this.slots);
    this.requestIds = g(this.requestIds);
    this.prefillTokens = g(this.prefillTokens);
    this.decodeTokens = g(this.decodeTokens);
    this.contextTokens = g(this.contextTokens);
  }
}
