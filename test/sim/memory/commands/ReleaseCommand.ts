import type fc from 'fast-check';
import { expect } from 'vitest';
import { checkAll, type PolicyModel, type RealPolicy } from '../PolicyModel.js';

/** Releases a live request: everything it held goes back (or, deferred, stays cached in a free slot). */
export class ReleaseCommand implements fc.Command<PolicyModel, RealPolicy> {
  constructor(readonly pick: number) {}

  check(m: Readonly<PolicyModel>): boolean {
    return m.tokens.size > 0;
  }

  run(m: PolicyModel, r: RealPolicy): void {
    const id = m.pickId(this.pick);
    r.policy.release(id);
    m.tokens.delete(id);
    expect(() => r.policy.tokenCapacity(id)).toThrow(/holds no memory/);
    checkAll(m, r);
    for (const owner of r.mirror.slotOwner.values()) expect(owner).not.toBe(id);
    expect(r.mirror.blocksOf.has(id)).toBe(false);
  }

  toString(): string {
    return `release(#${this.pick})`;
  }
}
