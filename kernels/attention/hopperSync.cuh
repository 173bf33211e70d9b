// Synchronisation primitives of the warp-specialised Hopper prefill (sm_90a): shared-memory
// mbarriers (producer -> consumer "tile full", consumer -> producer "stage empty"), named barriers
// (the two consumer warpgroups' turns on the tensor cores) and setmaxnreg (moving registers from the
// producer warpgroup to the consumers). Inline PTX, PTX ISA 8.0 names.
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

} // namespace kvsim
