// Which (query head, request, block of query rows) each CTA of the Hopper prefill kernels computes, in
// two launch orders (CTAs start roughly in blockIdx order, x fastest):
// - heads fastest (default): one row block of every head and request at a time, the longest causal
//   blocks first; the CTAs running together have equal work.
// - blocks fastest (KVSIM_ATTN_PREFILL_ORDER=blocks): all row blocks of one (head, request) together,
//   as FlashAttention-2 orders its grid; it reads one K/V set out of L2 at a time, but causal blocks of
//   unequal length run side by side.
// Measured side by side on an H100 (bench/kernels/NOTES.md, run 9): heads fastest is faster for both
// Hopper kernels, causal and not (e.g. causal 4 x 4096: 490 vs 403 TFLOP/s on the 64-key kernel, 506 vs
// 485 on the warp-specialised one), although ncu shows only a 53-73 % L2 hit rate with it.
#pragma once

#include <cuda_runtime.h>
#include <stdlib.h>
#include <string.h>

namespace kvsim {

enum PrefillOrder : int { kPrefillHeadsFastest = 0, kPrefillBlocksFastest = 1 };

inline int prefillOrderFromEnv() {
  const char* v = getenv("KVSIM_ATTN_PREFILL_ORDER");
  return v && strcmp(v, "blocks") == 0 ? kPrefillBlocksFastest : kPrefillHeadsFastest;
}

inline dim3 prefillGrid(int order, int heads, int batch, int rowBlocks) {
  return order == kPrefillHeadsFastest ? dim3(heads, batch, rowBlocks) : dim3(rowBlocks, heads, batch);
}

struct PrefillTile {
  int head, req, mBlock;
};

__device__ __forceinline__ PrefillTile prefillTileOf(int order) {
  if (order == kPrefillHeadsFastest) return PrefillTile{(int)blockIdx.x, (int)blockIdx.y, (int)(gridDim.z - 1 - blockIdx.z)};
  return PrefillTile{(int)blockIdx.y, (int)blockIdx.z, (int)(gridDim.x - 1 - blockIdx.x)};
}

} // namespace kvsim
