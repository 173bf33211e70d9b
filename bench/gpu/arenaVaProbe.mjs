// Probe: does a VmmArena give back all device memory on destroy, as a function of its virtual size?
// (GpuExecutor.gpu.test found 428 MiB not returned after vAttention replays once slots followed
// max_num_seqs = 1024.) Run on the GPU machine: node bench/gpu/arenaVaProbe.mjs (compiled CLI in .device/js).
import { requireGpu } from '../../.device/js/src/gpu/requireGpu.js';
import { VmmArena } from '../../.device/js/src/gpu/VmmArena.js';
const { binding } = requireGpu(0);
const MiB = 2 ** 20;
const free = () => binding.memInfo(0).freeBytes;
for (const [slots, slotBytes, maps] of [[256, 16 * MiB, 4], [999, 16 * MiB, 4], [999, 16 * MiB, 0], [999, 256 * MiB, 4], [256, 256 * MiB, 0]]) {
  const before = free();
  const arena = new VmmArena(binding, { buffers: 64, slots, slotBytes, pageSizeBytes: 2 * MiB, poolPages: 256, backgroundThread: true });
  const mid = free();
  for (let s = 0; s < maps; s++) arena.mapPages(s, 0, 1);
  for (let s = 0; s < maps; s++) arena.unmapPages(s, 0, 1);
  arena.destroy();
  const after = free();
  console.log(`slots ${slots} x 64 buffers x ${slotBytes / MiB} MiB = ${((64 * slots * slotBytes) / 2 ** 40).toFixed(2)} TiB VA, ${maps} maps: created -${((before - mid) / MiB).toFixed(0)} MiB, not returned ${((before - after) / MiB).toFixed(0)} MiB`);
}
