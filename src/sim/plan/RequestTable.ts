/** Where a request in the table stands. */
export const RequestState = {
  Free: 0,
  Waiting: 1,
  Running: 2,
} as const;

/**
 * The requests in flight (waiting or running), one slot each, as columns of typed arrays. Slots are
 * recycled through a free list, so the table's size follows the number of requests in flight, not the
 * trace length: a million-request replay keeps it at the size of the largest queue.
 */
export class RequestTable {
  /** Trace id (0-based index in the trace). */
  id = new Int32Array(0);
  arrivalS = new Float64Array(0);
  promptTokens = new Int32Array(0);
  outputTokens = new Int32Array(0);
  /** Output tokens emitted so far. */
  generated = new Int32Array(0);
  /** Tokens the current (re)admission must prefill: the prompt, or prompt + generated after a preemption. */
  prefillTarget = new Int32Array(0);
  /** Tokens of `prefillTarget` processed so far. */
  prefilled = new Int32Array(0);
  /** Tokens held in memory, as last told to the policy. */
  kvTokens = new Int32Array(0);
  admittedS = new Float64Array(0);
  firstTokenS = new Float64Array(0);
  lastTokenS = new Float64Array(0);
  preemptions = new Int32Array(0);
  state = new Uint8Array(0);
  /** Whether admission of this request has ever been refused for lack of memory. */
  refused = new Uint8Array(0);
  /** Index of the iteration whose batch holds the slot (to tell "already scheduled this step"). */
  batchStamp = new Float64Array(0);

  private free = new Int32Array(0);
  private freeCount = 0;
  private capacity = 0;
  /** Slots in use. */
  inUse = 0;

  constructor(initialSlots = 256) {
    this.resize(Math.max(16, initialSlots));
  }

  /** Takes a slot for a newly arrived request and fills it. */
  add(id: number, arrivalS: number, promptTokens: number, outputTokens: number): number {
    if (this.freeCount === 0) this.resize(this.capacity * 2);
    const s = this.free[--this.freeCount];
    this.inUse++;
    this.id[s] = id;
    this.arrivalS[s] = arrivalS;
    this.promptTokens[s] = promptTokens;
    this.outputTokens[s] = outputTokens;
    this.generated[s] = 0;
    this.prefillTarget[s] = promptTokens;
    this.prefilled[s] = 0;
    this.kvTokens[s] = 0;
    this.admittedS[s] = Number.NaN;
    this.firstTokenS[s] = Number.NaN;
    this.lastTokenS[s] = Number.NaN;
    this.preemptions[s] = 0;
    this.state[s] = RequestState.Waiting;
    this.refused[s] = 0;
    this.batchStamp[s] = -1;
    return s;
  }

  /** Returns a slot to the free list (LIFO, so slot reuse is deterministic). */
  remove(slot: number): void {
    this.state[slot] = RequestState.Free;
    this.free[this.freeCount++] = slot;
    this.inUse--;
  }

  private resize(n: number): void {
    const old = this.capacity;
    this.id = growI32(this.id, n);
    this.arrivalS = growF64(this.arrivalS, n);
    this.promptTokens = growI32(this.promptTokens, n);
    this.outputTokens = growI32(this.outputTokens, n);
    this.generated = growI32(this.generated, n);
    this.prefillTarget = growI32(this.prefillTarget, n);
    this.prefilled = growI32(this.prefilled, n);
    this.kvTokens = growI32(this.kvTokens, n);
    this.admittedS = growF64(this.admittedS, n);
    this.firstTokenS = growF64(this.firstTokenS, n);
    this.lastTokenS = growF64(this.lastTokenS, n);
    this.preemptions = growI32(this.preemptions, n);
    const st = new Uint8Array(n);
    st.set(this.state);
    this.state = st;
    const rf = new Uint8Array(n);
    rf.set(this.refused);
    this.refused = rf;
    this.batchStamp = growF64(this.batchStamp, n);
    const free = new Int32Array(n);
    free.set(this.free.subarray(0, this.freeCount));
    // New slots go on the free list highest first, so the lowest is handed out next.
    for (let s = n - 1; s >= old; s--) free[this.freeCount++] = s;
    this.free = free;
    this.capacity = n;
  }
}

function growI32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

function growF64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
