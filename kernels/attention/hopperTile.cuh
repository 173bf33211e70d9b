// Helpers shared by the wgmma prefill kernels (sm_90a): the 128-byte-swizzled tile layout, shared
// memory matrix descriptors, and register fences around asynchronous wgmma.
#pragma once

#include <stdint.h>

namespace kvsim {

// Element offset of (row, 16-byte chunk) in a tile of R rows laid out for wgmma.
template <int R> __device__ __forceinline__ int wgOff(int row, int chunk) {
  return (chunk >> 3) * (R * 64) + row * 64 + (((chunk & 7) ^ (row & 7)) << 3);
}

// Shared-memory matrix descriptor, 128-byte swizzle.
__device__ __forceinline__ uint64_t smemDesc(uint32_t addr, uint32_t lboBytes, uint32_t sboBytes) {
  return (uint64_t)((addr >> 4) & 0x3FFF) | ((uint64_t)((lboBytes >> 4) & 0x3FFF) << 16) |
         ((uint64_t)((sboBytes >> 4) & 0x3FFF) << 32) | (1ull << 62);
}

// Keeps the compiler from moving register reads/writes across an asynchronous wgmma.
template <int N> __device__ __forceinline__ void fenceRegs(float (&r)[N]) {
#pragma unroll
  for (int i = 0; i < N; ++i) asm volatile("" : "+f"(r[i])::"memory");
}
template <int N> __device__ __forceinline__ void fenceRegs(uint32_t (&r)[N][4]) {
#pragma unroll
  for (int i = 0; i < N; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) asm volatile("" : "+r"(r[i][j])::"memory");
}

} // namespace kvsim
