import { KvsimError } from '../../errors.js';

/**
 * A binary min-heap of events on parallel typed arrays (no object per event). Order: time, then
 * kind (smaller first), then sequence number (push order) — so same-time events come out in one
 * deterministic order. Sequence numbers belong to the queue, not to a global counter: two
 * simulations in one process never interfere.
 */
export class EventQueue {
  private timeS: Float64Array;
  private kind: Uint8Array;
  private seq: Float64Array;
  private payload: Float64Array;
  private n = 0;
  private nextSeq = 0;

  constructor(initialCapacity = 64) {
    const c = Math.max(4, initialCapacity);
    this.timeS = new Float64Array(c);
    this.kind = new Uint8Array(c);
    this.seq = new Float64Array(c);
    this.payload = new Float64Array(c);
  }

  get size(): number {
    return this.n;
  }

  /** Adds an event; `payload` is the handler's argument (e.g. a request slot). */
  push(timeS: number, kind: number, payload = 0): void {
    if (!(timeS === timeS)) throw new KvsimError('EVENT_TIME', `EventQueue: event time must be a number, got ${timeS}`);
    if (this.n === this.timeS.length) this.grow();
    let i = this.n++;
    const s = this.nextSeq++;
    // Sift up with a hole instead of swaps.
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(timeS, kind, s, p)) break;
      this.move(p, i);
      i = p;
    }
    this.timeS[i] = timeS;
    this.kind[i] = kind;
    this.seq[i] = s;
    this.payload[i] = payload;
  }

  /** Time of the earliest event; Infinity when empty. */
  peekTimeS(): number {
    return this.n > 0 ? this.timeS[0] : Number.POSITIVE_INFINITY;
  }

  peekKind(): number {
    return this.n > 0 ? this.kind[0] : -1;
  }

  /** Removes the earliest event into `out` ({timeS, kind, payload}); false when empty. */
  pop(out: { timeS: number; kind: number; payload: number }): boolean {
    if (this.n === 0) return false;
    out.timeS = this.timeS[0];
    out.kind = this.kind[0];
    out.payload = this.payload[0];
    const last = --this.n;
    if (last > 0) {
      const t = this.timeS[last];
      const k = this.kind[last];
      const s = this.seq[last];
      const p = this.payload[last];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= last) break;
        if (c + 1 < last && this.lessAt(c + 1, c)) c++;
        if (!this.lessAt(c, -1, t, k, s)) break;
        this.move(c, i);
        i = c;
      }
      this.timeS[i] = t;
      this.kind[i] = k;
      this.seq[i] = s;
      this.payload[i] = p;
    }
    return true;
  }

  /** Whether (t, k, s) sorts before the event at index j. */
  private less(t: number, k: number, s: number, j: number): boolean {
    const tj = this.timeS[j];
    if (t !== tj) return t < tj;
    const kj = this.kind[j];
    if (k !== kj) return k < kj;
    return s < this.seq[j];
  }

  /** Whether the event at index a sorts before the event at b (or before (t,k,s) when b < 0). */
  private lessAt(a: number, b: number, t = 0, k = 0, s = 0): boolean {
    if (b >= 0) {
      t = this.timeS[b];
      k = this.kind[b];
      s = this.seq[b];
    }
    const ta = this.timeS[a];
    if (ta !== t) return ta < t;
    const ka = this.kind[a];
    if (ka !== k) return ka < k;
    return this.seq[a] < s;
  }

  private move(from: number, to: number): void {
    this.timeS[to] = this.timeS[from];
    this.kind[to] = this.kind[from];
    this.seq[to] = this.seq[from];
    this.payload[to] = this.payload[from];
  }

  private grow(): void {
    const c = this.timeS.length * 2;
    const t = new Float64Array(c);
    t.set(this.timeS);
    this.timeS = t;
    const k = new Uint8Array(c);
    k.set(this.kind);
    this.kind = k;
    const s = new Float64Array(c);
    s.set(this.seq);
    this.seq = s;
    const p = new Float64Array(c);
    p.set(this.payload);
    this.payload = p;
  }
}
