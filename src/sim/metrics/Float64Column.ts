/** A growable column of float64 values (amortised doubling; `toArray` copies out the used part). */
export class Float64Column {
  data: Float64Array;
  length = 0;

  constructor(initial = 1024, private readonly fill = 0) {
    this.data = new Float64Array(Math.max(16, initial));
    if (fill !== 0) this.data.fill(fill);
  }

  push(v: number): void {
    if (this.length === this.data.length) this.reserve(this.length + 1);
    this.data[this.length++] = v;
  }

  /** Sets index i, growing (with the fill value) as needed. */
  set(i: number, v: number): void {
    if (i >= this.data.length) this.reserve(i + 1);
    this.data[i] = v;
    if (i >= this.length) this.length = i + 1;
  }

  /** Keeps every other value (indices 0, 2, 4, ...): the iteration downsampler. */
  halve(): void {
    const d = this.data;
    let w = 0;
    for (let r = 0; r < this.length; r += 2) d[w++] = d[r];
    this.length = w;
  }

  toArray(): number[] {
    // A plain loop: Array.from on a typed array goes through the iterator protocol (~50x slower).
    const n = this.length;
    const d = this.data;
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = d[i];
    return out;
  }

  private reserve(n: number): void {
    let c = this.data.length;
    while (c < n) c *= 2;
    const next = new Float64Array(c);
    if (this.fill !== 0) next.fill(this.fill, this.data.length);
    next.set(this.data);
    this.data = next;
  }
}
