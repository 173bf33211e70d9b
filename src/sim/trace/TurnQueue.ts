/**
 * Pending conversation turns ordered by (arrival time, conversation index): a binary min-heap on
 * parallel arrays. The index breaks ties, so equal times always come out in the same order.
 */
export class TurnQueue {
  private timeS: number[] = [];
  private conversation: number[] = [];

  get size(): number {
    return this.timeS.length;
  }

  push(timeS: number, conversation: number): void {
    const t = this.timeS;
    const c = this.conversation;
    let i = t.length;
    t.push(timeS);
    c.push(conversation);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timeS, conversation, t[parent], c[parent])) break;
      t[i] = t[parent];
      c[i] = c[parent];
      i = parent;
    }
    t[i] = timeS;
    c[i] = conversation;
  }

  /** Time of the earliest turn (Infinity when empty). */
  peekTimeS(): number {
    return this.timeS.length > 0 ? this.timeS[0] : Infinity;
  }

  /** Conversation of the earliest turn (-1 when empty). */
  peekConversation(): number {
    return this.conversation.length > 0 ? this.conversation[0] : -1;
  }

  /** Removes the earliest turn. */
  pop(): void {
    const t = this.timeS;
    const c = this.conversation;
    const n = t.length - 1;
    if (n < 0) throw new Error('TurnQueue.pop: empty');
    const lastT = t[n];
    const lastC = c[n];
    t.length = n;
    c.length = n;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && before(t[r], c[r], t[l], c[l]) ? r : l;
      if (!before(t[m], c[m], lastT, lastC)) break;
      t[i] = t[m];
      c[i] = c[m];
      i = m;
    }
    t[i] = lastT;
    c[i] = lastC;
  }
}

function before(t1: number, c1: number, t2: number, c2: number): boolean {
  return t1 < t2 || (t1 === t2 && c1 < c2);
}
