/**
 * Maps request ids (trace indices 0..N-1, up to millions) to small internal slot numbers. A growable
 * Int32Array indexed by id: O(1) with no hashing and no allocation per call once grown (4 bytes per
 * id ever seen, which is cheaper than a Map entry).
 */
export class IdIndex {
  private slots: Int32Array<ArrayBuffer>;

  constructor(initialIds = 1024) {
    this.slots = new Int32Array(Math.max(16, initialIds)).fill(-1);
  }

  /** The slot of `id`, or -1 when it holds none. */
  get(id: number): number {
    return id < this.slots.length ? this.slots[id] : -1;
  }

  set(id: number, slot: number): void {
    if (id >= this.slots.length) {
      let n = this.slots.length;
      while (n <= id) n *= 2;
      const next = new Int32Array(n).fill(-1);
      next.set(this.slots);
      this.slots = next;
    }
    this.slots[id] = slot;
  }

  delete(id: number): void {
    if (id < this.slots.length) this.slots[id] = -1;
  }
}
