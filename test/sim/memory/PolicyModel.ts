import { expect } from 'vitest';
import type { MemoryPolicy, MemorySnapshot } from '../../../src/sim/memory/MemoryPolicy.js';
import { emptySnapshot } from '../../../src/sim/memory/emptySnapshot.js';
import { OpsMirror } from './OpsMirror.js';

/** The reference model's answer to "is there room?", from first principles (no policy internals). */
export interface RoomRule {
  admit(tokens: ReadonlyMap<number, number>, newTokens: number): boolean;
  grow(tokens: ReadonlyMap<number, number>, id: number, totalTokens: number): boolean;
}

/** Policy-specific checks against the model's request table and the replayed ops. */
export type PartCheck = (policy: MemoryPolicy, tokens: ReadonlyMap<number, number>, mirror: OpsMirror) => void;

export interface CheckedPolicy extends MemoryPolicy {
  checkInvariants(): void;
}

/** The simple reference model: which requests exist and how many tokens each holds. */
export class PolicyModel {
  readonly tokens = new Map<number, number>();
  nextId = 0;
  refused = 0;
  constructor(
    readonly rule: RoomRule,
    /** Bytes of live state per request besides KV (recurrent state), and KV bytes per token. */
    readonly liveBytes: (tokens: ReadonlyMap<number, number>) => number,
    readonly checkPart: PartCheck,
  ) {}

  /** The id of the `pick`-th live request (pick taken modulo the count). */
  pickId(pick: number): number {
    const ids = [...this.tokens.keys()];
    return ids[pick % ids.length];
  }
}

export class RealPolicy {
  readonly mirror = new OpsMirror();
  readonly snap: MemorySnapshot = emptySnapshot();
  constructor(readonly policy: CheckedPolicy) {}
}

/** Everything that must hold after every command. */
export function checkAll(m: PolicyModel, r: RealPolicy): void {
  const p = r.policy;
  r.mirror.apply(p.takeOps());
  p.checkInvariants();
  const s = p.snapshot(r.snap);
  expect(s.capacityBytes).toBe(p.capacityBytes);
  expect(s.allocatedBytes + s.freeBytes).toBe(s.capacityBytes);
  expect(s.allocatedBytes).toBeGreaterThanOrEqual(0);
  expect(s.freeBytes).toBeGreaterThanOrEqual(0);
  expect(s.requests).toBe(m.tokens.size);
  expect(s.liveBytes).toBe(m.liveBytes(m.tokens));
  expect(s.fragmentationBytes).toBeGreaterThanOrEqual(0);
  expect(s.eagerBytes).toBeGreaterThanOrEqual(0);
  expect(s.cachedBytes).toBeGreaterThanOrEqual(0);
  // Issue 15: what is physically allocated always lies in reserved (virtual or static) ranges.
  expect(s.reservedBytes).toBeGreaterThanOrEqual(s.allocatedBytes);
  expect(s.liveBytes + s.fragmentationBytes + s.eagerBytes + s.cachedBytes).toBe(s.allocatedBytes);
  expect(p.stats.refused).toBe(m.refused);
  for (const [id, t] of m.tokens) expect(p.tokenCapacity(id)).toBeGreaterThanOrEqual(t);
  m.checkPart(p, m.tokens, r.mirror);
}
