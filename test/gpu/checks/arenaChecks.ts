import { CudaCallError } from '../../../src/gpu/CudaCallError.js';
import type { NativeBinding, NativeDeviceInfo } from '../../../src/gpu/NativeBinding.js';
import { VmmArena } from '../../../src/gpu/VmmArena.js';
import { checkEqual, checkTrue } from './check.js';

const MiB = 1024 * 1024;

function expectCudaError(fn: () => void, call: RegExp, what: string): CudaCallError {
  try {
    fn();
  } catch (err) {
    checkTrue(err instanceof CudaCallError, `${what}: expected a CudaCallError, got ${String(err)}`);
    const e = err as CudaCallError;
    checkTrue(call.test(e.call), `${what}: error names ${e.call}, expected ${call}`);
    checkTrue(e.stack !== undefined && /arenaChecks/.test(e.stack), `${what}: the stack should show the JS caller`);
    return e;
  }
  throw new Error(`${what}: expected a CudaCallError, nothing was thrown`);
}

/**
 * The arena's mechanics on a real device: map/unmap at slot offsets in every buffer, the driver's view
 * agrees, batched and per-page setAccess both give READWRITE, pages are usable, the mapping thread
 * applies queued work in order, errors name the call and its arguments (state errors and a real
 * driver error: cuMemCreate out of memory), and teardown returns every byte.
 */
export function checkArenaMechanics(binding: NativeBinding, info: NativeDeviceInfo): Record<string, unknown> {
  const dev = info.device;
  const before = binding.memInfo(dev).freeBytes;
  const results: Record<string, unknown> = {};
  for (const batchedAccess of [true, false]) {
    const arena = new VmmArena(binding, { device: dev, buffers: 4, slots: 3, slotBytes: 8 * MiB, pageSizeBytes: 2 * MiB, poolPages: 32, batchedAccess });
    try {
      arena.mapPages(1, 0, 3);
      let v = arena.queryDevice();
      checkEqual(v.mappedPages, 12, 'pages mapped after mapPages(1, 0, 3) in 4 buffers');
      checkEqual(v.readWritePages, 12, `READWRITE pages (batchedAccess=${batchedAccess})`);
      checkEqual(v.pagesPerSlot[1], 12, 'pages in slot 1');
      checkEqual(v.pagesPerSlot[0] + v.pagesPerSlot[2], 0, 'pages in slots 0 and 2');
      checkEqual(arena.verifyAccess(1, 0, 3, 0x3c), 0, 'words read back wrong');
      checkEqual(arena.counters().freePoolPages, 20, 'free pool pages');
      // Buffers are separate reservations of slots x S bytes (the driver may hand them out downwards).
      const gap = arena.bufferAddress(1) - arena.bufferAddress(0);
      checkTrue((gap < 0n ? -gap : gap) >= BigInt(3 * 8 * MiB), `buffers 0 and 1 overlap (gap ${gap})`);
      arena.unmapPages(1, 2, 1);
      v = arena.queryDevice();
      checkEqual(v.mappedPages, 8, 'pages mapped after unmapping the top page');
      expectCudaError(() => arena.mapPages(1, 0, 1), /mapPages/, 'mapping a mapped page');
      expectCudaError(() => arena.unmapPages(2, 0, 1), /unmapPages/, 'unmapping an unmapped page');
      // The mapping thread: queue, then flush; order is kept (map then unmap of the same page).
      arena.enqueueMap(0, 0, 4);
      arena.enqueueUnmap(0, 3, 1);
      arena.enqueueMap(2, 0, 2);
      arena.flush();
      v = arena.queryDevice();
      checkEqual(v.pagesPerSlot[0], 12, 'slot 0 after queued map 4 / unmap 1');
      checkEqual(v.pagesPerSlot[2], 8, 'slot 2 after queued map 2');
      // A failure on the thread surfaces at flush, naming the op.
      arena.enqueueMap(2, 0, 1);
      expectCudaError(() => arena.flush(), /mapPages/, 'queued map of a mapped page');
      // Pool exhaustion is a clear state error: 28 pages in use of 32, 4 buffers x 2 pages needed = 8.
      const e = expectCudaError(() => arena.mapPages(1, 2, 2), /mapPages/, 'pool exhaustion');
      checkTrue(/exhausted/.test(e.message), `pool exhaustion message: ${e.message}`);
      checkEqual(arena.queryDevice().mappedPages, 28, 'a failed map leaves the arena as it was');
      results[batchedAccess ? 'batched' : 'perPage'] = arena.stats();
    } finally {
      arena.destroy();
    }
  }
  checkEqual(binding.memInfo(dev).freeBytes, before, 'free memory after two arenas (leak)');
  // A real driver error: ask for more physical pages than the device has. TypeScript's guard is
  // bypassed on purpose (no free-memory hint), so cuMemCreate itself fails; teardown must still free all.
  const big = 32 * MiB;
  const pages = Math.ceil(info.totalMemoryBytes / big) + 8;
  const oom = expectCudaError(
    () => new VmmArena(binding, { device: dev, buffers: 1, slots: 1, slotBytes: pages * big, pageSizeBytes: big, poolPages: pages }).destroy(),
    /cuMemCreate/,
    'over-allocating the pool',
  );
  checkTrue(/OUT_OF_MEMORY/.test(oom.codeName) && /size=33554432/.test(oom.args), `OOM error names code and size: ${oom.message}`);
  results.oomError = oom.message;
  checkEqual(binding.memInfo(dev).freeBytes, before, 'free memory after a failed pool creation (leak)');
  return results;
}
