import type fc from 'fast-check';
import { expect } from 'vitest';
import { checkAll, type PolicyModel, type RealPolicy } from '../PolicyModel.js';

/** Admits a new request (id skipping ahead by `idGap`, as trace indices do) with `tokens` tokens. */
export class AdmitCommand implements fc.Command<PolicyModel, RealPolicy> {
  constructor(
    readonly tokens: number,
    readonly idGap: number,
  ) {}

  check(): boolean {
    return true;
  }

  run(m: PolicyModel, r: RealPolicy): void {
    const id = m.nextId + this.idGap;
    m.nextId = id + 1;
    const room = m.rule.admit(m.tokens, this.tokens);
    expect(r.policy.canAdmit(this.tokens)).toBe(room);
    expect(r.policy.admit(id, this.tokens)).toBe(room);
    if (room) m.tokens.set(id, this.tokens);
    else m.refused++;
    checkAll(m, r);
  }

  toString(): string {
    return `admit(+${this.idGap}, ${this.tokens})`;
  }
}
