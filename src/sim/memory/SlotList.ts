/**
 * An intrusive doubly linked list of slot numbers over typed arrays: O(1) push-front, remove and
 * peek at either end, no allocation. vAttention keeps two: free slots that still have pages mapped
 * (most recently freed first, reclaimed oldest first) and running slots holding pages beyond need.
 */
export class SlotList {
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly member: Uint8Array;
  head = -1;
  tail = -1;
  size = 0;

  constructor(capacity: number) {
    this.prev = new Int32Array(capacity).fill(-1);
    this.next = new Int32Array(capacity).fill(-1);
    this.member = new Uint8Array(capacity);
  }

  has(slot: number): boolean {
    return this.member[slot] === 1;
  }

  pushFront(slot: number): void {
    this.member[slot] = 1;
    this.prev[slot] = -1;
    this.next[slot] = this.head;
    if (this.head >= 0) this.prev[this.head] = slot;
    else this.tail = slot;
    this.head = slot;
    this.size++;
  }

  remove(slot: number): void {
    const p = this.prev[slot];
    const n = this.next[slot];
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
    this.prev[slot] = -1;
    this.next[slot] = -1;
    this.member[slot] = 0;
    this.size--;
  }

  /** Slots from head to tail (tests; allocates). */
  toArray(): number[] {
    const out: number[] = [];
    for (let s = this.head; s >= 0; s = this.next[s]) out.push(s);
    return out;
  }
}
