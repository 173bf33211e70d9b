import { IdIndex } from './IdIndex.js';

/**
 * A fixed number of equal slots carved up front (static reservations, recurrent state): a LIFO stack
 * of free slots, slot 0 taken first, and which request owns each slot. O(1) take and give, no
 * allocation after construction.
 */
export class FixedSlotPool {
  readonly numSlots: number;
  private readonly free: Int32Array;
  private freeTop: number;
  private readonly owner: Int32Array;
  private readonly ids = new IdIndex();

  constructor(numSlots: number) {
    this.numSlots = numSlots;
    this.free = new Int32Array(numSlots);
    for (let i = 0; i < numSlots; i++) this.free[i] = numSlots - 1 - i;
    this.freeTop = numSlots;
    this.owner = new Int32Array(numSlots).fill(-1);
  }

  /** Slots in use. */
  get used(): number {
    return this.numSlots - this.freeTop;
  }

  get hasFree(): boolean {
    return this.freeTop > 0;
  }

  /** The slot request `id` holds, -1 if none. */
  slotOf(id: number): number {
    return this.ids.get(id);
  }

  /** Gives request `id` a free slot and returns it; the caller checked hasFree and that `id` holds none. */
  take(id: number): number {
    const slot = this.free[--this.freeTop];
    this.owner[slot] = id;
    this.ids.set(id, slot);
    return slot;
  }

  /** Frees the slot request `id` holds (the caller checked it holds one) and returns it. */
  give(id: number): number {
    const slot = this.ids.get(id);
    this.owner[slot] = -1;
    this.free[this.freeTop++] = slot;
    this.ids.delete(id);
    return slot;
  }

  /** Recomputes ownership from scratch; throws naming `label` on any inconsistency (tests). */
  checkInvariants(label: string): void {
    const seen = new Uint8Array(this.numSlots);
    for (let i = 0; i < this.freeTop; i++) {
      const s = this.free[i];
      if (seen[s] || this.owner[s] !== -1) throw new Error(`${label}: slot ${s} free twice or free while owned`);
      seen[s] = 1;
    }
    for (let s = 0; s < this.numSlots; s++) {
      if (seen[s]) continue;
      const id = this.owner[s];
      if (id < 0 || this.ids.get(id) !== s) throw new Error(`${label}: slot ${s} neither free nor owned`);
    }
  }
}
