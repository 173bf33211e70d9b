import { describe, expect, it } from 'vitest';
import { FixedSlotPool } from '../../../src/sim/memory/FixedSlotPool.js';
import { OpLog } from '../../../src/sim/memory/OpLog.js';

describe('FixedSlotPool', () => {
  it('hands out slot 0 first and reuses the most recently freed slot (LIFO), tracking owners', () => {
    const pool = new FixedSlotPool(3);
    expect(pool.take(10)).toBe(0);
    expect(pool.take(11)).toBe(1);
    expect(pool.used).toBe(2);
    expect(pool.give(10)).toBe(0);
    expect(pool.slotOf(10)).toBe(-1);
    expect(pool.take(12)).toBe(0);
    expect(pool.take(13)).toBe(2);
    expect(pool.hasFree).toBe(false);
    expect([10, 11, 12, 13].map((id) => pool.slotOf(id))).toEqual([-1, 1, 0, 2]);
    pool.checkInvariants('test');
  });

  it('checkInvariants names the policy when ownership is corrupt', () => {
    const pool = new FixedSlotPool(2);
    pool.take(1);
    (pool as unknown as { owner: Int32Array }).owner[0] = 7;
    expect(() => pool.checkInvariants('static')).toThrow(/^static: slot 0 neither free nor owned/);
  });
});

describe('OpLog', () => {
  it('exists only when ops are recorded, and take() hands each op out once, in order', () => {
    expect(OpLog.when(false)).toBeNull();
    const log = OpLog.when(true)!;
    expect(log.take()).toHaveLength(0);
    log.push({ op: 'assignSlot', requestId: 1, slot: 0, part: 'kv' });
    log.push({ op: 'freeSlot', requestId: 1, slot: 0, part: 'kv' });
    expect(log.take().map((o) => o.op)).toEqual(['assignSlot', 'freeSlot']);
    expect(log.take()).toHaveLength(0);
  });
});
