import type fc from 'fast-check';
import { expect } from 'vitest';
import { checkAll, type PolicyModel, type RealPolicy } from '../PolicyModel.js';

/** Grows a live request by `delta` tokens (a decode step is 1, a prefill chunk many). */
export class GrowCommand implements fc.Command<PolicyModel, RealPolicy> {
  constructor(
    readonly pick: number,
    readonly delta: number,
  ) {}

  check(m: Readonly<PolicyModel>): boolean {
    return m.tokens.size > 0;
  }

  run(m: PolicyModel, r: RealPolicy): void {
    const id = m.pickId(this.pick);
    const total = m.tokens.get(id)! + this.delta;
    const room = m.rule.grow(m.tokens, id, total);
    expect(r.policy.grow(id, total)).toBe(room);
    if (room) m.tokens.set(id, total);
    checkAll(m, r);
  }

  toString(): string {
    return `grow(#${this.pick}, +${this.delta})`;
  }
}
