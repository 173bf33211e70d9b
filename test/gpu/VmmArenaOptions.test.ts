import { describe, expect, it } from 'vitest';
import { BlockPool } from '../../src/gpu/BlockPool.js';
import type { NativeBinding } from '../../src/gpu/NativeBinding.js';
import { VmmArena } from '../../src/gpu/VmmArena.js';
import { resolveVmmArenaOptions } from '../../src/gpu/VmmArenaOptions.js';
import { InvalidOptionError } from '../../src/errors.js';

const MiB = 2 ** 20;

/** A binding whose constructors record that they were reached: validation must stop bad input first. */
function spyBinding() {
  const calls: string[] = [];
  const b = {
    VmmArena: class {
      constructor() {
        calls.push('VmmArena');
      }
    },
    BlockPool: class {
      constructor() {
        calls.push('BlockPool');
      }
    },
  } as unknown as NativeBinding;
  return { b, calls };
}

describe('VmmArena / BlockPool validate before any native call', () => {
  const good = { buffers: 64, slots: 8, slotBytes: 8 * MiB, poolPages: 128 };

  it('fills defaults: 2 MiB pages, upfront pool, batched access, background thread', () => {
    const o = resolveVmmArenaOptions(good);
    expect(o).toMatchObject({ device: 0, pageSizeBytes: 2 * MiB, pagesPerSlot: 4, physicalPages: 'upfront', batchedAccess: true, backgroundThread: true });
  });

  it.each([
    [{ ...good, pageSizeBytes: 3 * MiB }, /multiple of 2 MiB.*pageSizeBytes/],
    [{ ...good, slotBytes: 5 * MiB }, /multiple of pageSizeBytes.*slotBytes/],
    [{ ...good, buffers: 0 }, /VmmArena buffers/],
    [{ ...good, slots: 1.5 }, /VmmArena slots/],
    [{ ...good, poolPages: 64 * 8 * 4 + 1 }, /VmmArena poolPages/],
    [{ ...good, physicalPages: 'lazy' }, /"upfront" or "onDemand"/],
  ])('rejects %o', (opts, msg) => {
    const { b, calls } = spyBinding();
    expect(() => new VmmArena(b, opts as never)).toThrow(msg);
    expect(() => new VmmArena(b, opts as never)).toThrow(InvalidOptionError);
    expect(calls).toEqual([]);
  });

  it('rejects a pool larger than the free memory it is told about, before the driver fails', () => {
    const { b, calls } = spyBinding();
    expect(() => new VmmArena(b, good, 100 * MiB)).toThrow(/exceeds the device's free memory/);
    expect(calls).toEqual([]);
    new VmmArena(b, good, 1024 * MiB);
    expect(calls).toEqual(['VmmArena']);
  });

  it('BlockPool checks its shape and the table it uploads', () => {
    const { b, calls } = spyBinding();
    expect(() => new BlockPool(b, { layers: 32, blocks: 0, blockBytes: 65536, maxSeqs: 4, maxBlocksPerSeq: 8 })).toThrow(/BlockPool blocks/);
    expect(() => new BlockPool(b, { layers: 32, blocks: 10, blockBytes: 6, maxSeqs: 4, maxBlocksPerSeq: 8 })).toThrow(/multiple of 4/);
    expect(calls).toEqual([]);
  });
});
