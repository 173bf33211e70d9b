import { NO_OPS } from './emptySnapshot.js';
import type { MemoryOp } from './MemoryPolicy.js';

/**
 * The memory operations a policy decided since the executor last took them (MemoryPolicy.takeOps).
 * Policies hold one only when the context asks to record operations (`recordOps`: the GPU executor
 * enacts them); otherwise they hold null and build no op objects at all.
 */
export class OpLog {
  private ops: MemoryOp[] = [];

  /** An OpLog when `record` is set, else null (so call sites are `log?.push(...)`). */
  static when(record: boolean | undefined): OpLog | null {
    return record ? new OpLog() : null;
  }

  push(op: MemoryOp): void {
    this.ops.push(op);
  }

  /** The operations recorded since the last call, oldest first (the shared frozen NO_OPS when none). */
  take(): MemoryOp[] {
    if (this.ops.length === 0) return NO_OPS;
    const ops = this.ops;
    this.ops = [];
    return ops;
  }
}
