import { KvsimError } from '../../errors.js';

/**
 * An ordered list of request slots on a ring buffer: push at either end, pop at either end, remove
 * by predicate keeping order. Used for the waiting queue (FCFS; preempted requests go back to the
 * front) and the running list (admission order; the newest, at the back, is preempted first).
 */
export class SlotList {
  private buf: Int32Array;
  private head = 0;
  private n = 0;

  constructor(initialCapacity = 256) {
    this.buf = new Int32Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.n;
  }

  /** The i-th slot from the front. */
  at(i: number): number {
    if (!(i >= 0 && i < this.n)) throw new KvsimError('SLOTLIST_RANGE', `SlotList.at(${i}) outside 0..${this.n - 1} (an engine bug: please report it)`);
    const b = this.buf;
    return b[(this.head + i) & (b.length - 1)];
  }

  pushBack(slot: number): void {
    if (this.n === this.buf.length) this.grow();
    const b = this.buf;
    b[(this.head + this.n) & (b.length - 1)] = slot;
    this.n++;
  }

  pushFront(slot: number): void {
    if (this.n === this.buf.length) this.grow();
    const b = this.buf;
    this.head = (this.head - 1 + b.length) & (b.length - 1);
    b[this.head] = slot;
    this.n++;
  }

  popFront(): number {
    if (this.n === 0) throw new KvsimError('SLOTLIST_EMPTY', 'SlotList.popFront on an empty list (an engine bug: please report it)');
    const b = this.buf;
    const s = b[this.head];
    this.head = (this.head + 1) & (b.length - 1);
    this.n--;
    return s;
  }

  popBack(): number {
    if (this.n === 0) throw new KvsimError('SLOTLIST_EMPTY', 'SlotList.popBack on an empty list (an engine bug: please report it)');
    this.n--;
    const b = this.buf;
    return b[(this.head + this.n) & (b.length - 1)];
  }

  /** Removes `slot` (first occurrence), keeping the order of the others. O(n). */
  remove(slot: number): boolean {
    const b = this.buf;
    const mask = b.length - 1;
    let w = 0;
    let found = false;
    for (let r = 0; r < this.n; r++) {
      const s = b[(this.head + r) & mask];
      if (!found && s === slot) {
        found = true;
        continue;
      }
      b[(this.head + w) & mask] = s;
      w++;
    }
    this.n = w;
    return found;
  }

  /** Keeps only slots for which `keep` is true, in order. O(n). */
  filter(keep: (slot: number) => boolean): void {
    const b = this.buf;
    const mask = b.length - 1;
    let w = 0;
    for (let r = 0; r < this.n; r++) {
      const s = b[(this.head + r) & mask];
      if (keep(s)) b[(this.head + w++) & mask] = s;
    }
    this.n = w;
  }

  private grow(): void {
    const next = new Int32Array(this.buf.length * 2);
    for (let i = 0; i < this.n; i++) next[i] = this.at(i);
    this.buf = next;
    this.head = 0;
  }
}
