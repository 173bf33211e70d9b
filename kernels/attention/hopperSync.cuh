// Synchronisation and copy primitives of the warp-specialised Hopper prefill (sm_90a): shared-memory
// mbarriers (producer -> consumer "tile full", consumer -> producer "stage empty"), named barriers
// (the two consumer warpgroups' turns on the tensor cores) and setmaxnreg (moving registers from the
// producer warpgroup to the consumers), TMA tile loads. Inline PTX, PTX ISA 8.0 names.
#pragma once

#include <stdint.h>

namespace kvsim {

__device__ __forceinline__ void mbarInit(uint32_t bar, uint32_t count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count) : "memory");
}

// Arrive (release at CTA scope): everything this thread wrote before is visible to a thread whose
// wait on the same phase returns.
__device__ __forceinline__ void mbarArrive(uint32_t bar) {
  asm volatile("{\n.reg .b64 st;\nmbarrier.arrive.shared::cta.b64 st, [%0];\n}\n" ::"r"(bar) : "memory");
}

// Waits until the phase with this parity (0 or 1) has completed (acquire at CTA scope).
__device__ __forceinline__ void mbarWait(uint32_t bar, uint32_t parity) {
  asm volatile(
      "{\n.reg .pred done;\nWAIT_%=:\n"
      "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
      "@!done bra WAIT_%=;\n}\n" ::"r"(bar),
      "r"(parity)
      : "memory");
}

// One arrival on the mbarrier once every cp.async this thread issued before has landed (the pending
// count is not raised: the barrier's expected count includes this arrival). The waiting side still
// needs fence.proxy.async before an async-proxy read (wgmma) of the data.
__device__ __forceinline__ void cpAsyncArriveOnLanding(uint32_t bar) {
  asm volatile("cp.async.mbarrier.arrive.noinc.shared::cta.b64 [%0];\n" ::"r"(bar) : "memory");
}

// Named barrier `id` (1..15; 0 is __syncthreads) over `threads` threads: sync blocks, arrive does not.
__device__ __forceinline__ void namedSync(int id, int threads) {
  asm volatile("bar.sync %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}
__device__ __forceinline__ void namedArrive(int id, int threads) {
  asm volatile("bar.arrive %0, %1;\n" ::"r"(id), "r"(threads) : "memory");
}

// Per-thread register budget of the executing warpgroup (all its threads execute it).
template <int N> __device__ __forceinline__ void regsDecrease() {
  asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(N));
}
template <int N> __device__ __forceinline__ void regsIncrease() {
  asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(N));
}

// Arrive and raise the phase's expected transaction bytes (the TMA copies that follow complete them).
__device__ __forceinline__ void mbarArriveExpectTx(uint32_t bar, uint32_t bytes) {
  asm volatile("{\n.reg .b64 st;\nmbarrier.arrive.expect_tx.shared::cta.b64 st, [%0], %1;\n}\n" ::"r"(bar), "r"(bytes)
               : "memory");
}

// Makes mbarrier initialisation visible to the async proxy (TMA completes transactions on them).
__device__ __forceinline__ void fenceMbarrierInit() { asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory"); }

// TMA tile loads (cp.async.bulk.tensor) of the box at the given coordinates (innermost first) into
// shared memory at dst, completing their bytes on the mbarrier. map: the generic address of a
// __grid_constant__ CUtensorMap kernel parameter.
__device__ __forceinline__ void tmaLoad3d(uint32_t dst, const void* map, int c0, int c1, int c2, uint32_t bar) {
  asm volatile(
      "cp.async.bulk.tensor.3d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3, %4}], [%5];\n" ::"r"(dst),
      "l"(map), "r"(c0), "r"(c1), "r"(c2), "r"(bar)
      : "memory");
}
__device__ __forceinline__ void tmaLoad4d(uint32_t dst, const void* map, int c0, int c1, int c2, int c3, uint32_t bar) {
  asm volatile(
      "cp.async.bulk.tensor.4d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3, %4, %5}], [%6];\n" ::"r"(dst),
      "l"(map), "r"(c0), "r"(c1), "r"(c2), "r"(c3), "r"(bar)
      : "memory");
}

// TMA prefetch of the box at the given coordinates into L2 (cp.async.bulk.prefetch.tensor, PTX ISA 8.0,
// sm_90): no shared memory, no mbarrier, no completion to wait for; a hint that a later tmaLoad3d of the
// same box finds it in L2.
__device__ __forceinline__ void tmaPrefetchL2_3d(const void* map, int c0, int c1, int c2) {
  asm volatile("cp.async.bulk.prefetch.tensor.3d.L2.global.tile [%0, {%1, %2, %3}];\n" ::"l"(map), "r"(c0), "r"(c1), "r"(c2)
               : "memory");
}

} // namespace kvsim
