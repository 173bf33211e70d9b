import type { MemoryOp } from '../../../src/sim/memory/MemoryPolicy.js';

/**
 * Replays a policy's recorded operations the way the GPU backend would, and fails on anything the
 * backend could not enact: a block or slot handed out twice, freed by a non-owner, pages mapped
 * out of order or into a slot its request does not own. Independent of the policy's internals.
 */
export class OpsMirror {
  readonly blockOwner = new Map<number, number>();
  readonly blocksOf = new Map<number, number>();
  readonly slotOwner = new Map<string, number>();
  /** Page groups mapped per vAttention slot (contiguous from page 0). */
  readonly slotPages = new Map<number, number>();
  mappedGroups = 0;
  /** Cumulative page groups mapped / unmapped. */
  groupsMapped = 0;
  groupsUnmapped = 0;

  apply(ops: readonly MemoryOp[]): void {
    for (const op of ops) this.applyOne(op);
  }

  kvSlotOf(id: number): number {
    for (const [key, owner] of this.slotOwner) if (owner === id && key.startsWith('kv:')) return Number(key.slice(3));
    return -1;
  }

  private applyOne(op: MemoryOp): void {
    switch (op.op) {
      case 'assignBlocks':
        if (op.blockIds.length === 0) throw new Error('empty assignBlocks');
        for (const b of op.blockIds) {
          if (this.blockOwner.has(b)) throw new Error(`block ${b} assigned to ${op.requestId} while owned by ${this.blockOwner.get(b)}`);
          this.blockOwner.set(b, op.requestId);
        }
        this.blocksOf.set(op.requestId, (this.blocksOf.get(op.requestId) ?? 0) + op.blockIds.length);
        return;
      case 'freeBlocks':
        for (const b of op.blockIds) {
          if (this.blockOwner.get(b) !== op.requestId) throw new Error(`block ${b} freed by ${op.requestId}, owner ${this.blockOwner.get(b)}`);
          this.blockOwner.delete(b);
        }
        this.blocksOf.set(op.requestId, (this.blocksOf.get(op.requestId) ?? 0) - op.blockIds.length);
        return;
      case 'assignSlot': {
        const key = `${op.part}:${op.slot}`;
        if (this.slotOwner.has(key)) throw new Error(`slot ${key} assigned twice`);
        for (const [k, owner] of this.slotOwner) {
          if (owner === op.requestId && k.startsWith(`${op.part}:`)) throw new Error(`request ${op.requestId} holds two ${op.part} slots`);
        }
        this.slotOwner.set(key, op.requestId);
        return;
      }
      case 'freeSlot': {
        const key = `${op.part}:${op.slot}`;
        if (this.slotOwner.get(key) !== op.requestId) throw new Error(`slot ${key} freed by non-owner ${op.requestId}`);
        this.slotOwner.delete(key);
        if ((this.blocksOf.get(op.requestId) ?? 0) !== 0) throw new Error(`request ${op.requestId} released but still holds blocks`);
        this.blocksOf.delete(op.requestId);
        return;
      }
      case 'mapPages': {
        if (this.slotOwner.get(`kv:${op.slot}`) !== op.requestId) throw new Error(`pages mapped into slot ${op.slot} not owned by ${op.requestId}`);
        const have = this.slotPages.get(op.slot) ?? 0;
        if (op.count <= 0 || op.firstPage !== have) throw new Error(`mapPages slot ${op.slot} at ${op.firstPage}+${op.count}, mapped ${have}`);
        this.slotPages.set(op.slot, have + op.count);
        this.mappedGroups += op.count;
        this.groupsMapped += op.count;
        return;
      }
      case 'unmapPages': {
        const have = this.slotPages.get(op.slot) ?? 0;
        if (op.count <= 0 || op.firstPage + op.count !== have) throw new Error(`unmapPages slot ${op.slot} at ${op.firstPage}+${op.count}, mapped ${have}`);
        this.slotPages.set(op.slot, op.firstPage);
        this.mappedGroups -= op.count;
        this.groupsUnmapped += op.count;
        return;
      }
    }
  }
}
