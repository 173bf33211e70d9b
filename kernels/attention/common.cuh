// Shared device helpers for the attention kernels (the tensor-core building blocks they share with the
// xLSTM kernels are ../common/mmaSync.cuh): cp.async, the shared-memory swizzle, and the two KV addressers
// (contiguous arena slot, paged block table) that let one kernel body serve both layouts.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <stdint.h>

#include "../common/mmaSync.cuh"
#include "attention.h"
#include "validate.h"

namespace kvsim {

// 16-byte global->shared copy; srcBytes = 0 zero-fills (rows past the context must be finite,
// since P=0 times a NaN row would still poison the output).
__device__ __forceinline__ void cpAsync16(uint32_t dst, const void* src, int srcBytes) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(srcBytes)
               : "memory");
}
__device__ __forceinline__ void cpAsyncCommit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int N> __device__ __forceinline__ void cpAsyncWait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

// Tiles of rows of D elements in shared memory, 16-byte chunks XOR-swizzled by the row's low three
// bits, so that the 8 rows one ldmatrix reads hit 8 different bank groups (rows are 128 or 256 B).
template <int D> __device__ __forceinline__ int swz(int row, int chunk) {
  return row * D + ((chunk ^ (row & 7)) << 3);
}

// Where token `tok` of request `req`, KV head `h`, starts. Same math for K and V (offset differs).
struct ContiguousKv {
  const char* k;
  const char* v;
  long long slotStrideBytes;
  const int32_t* slotOfRequest;
  int rowElems; // numKvHeads * headDim

  template <typename T> struct Req {
    const T* k;
    const T* v;
    int rowElems;
    // Two phases so that paged kernels can fetch block numbers a tile ahead of their use.
    __device__ __forceinline__ int lookup(int) const { return 0; }
    __device__ __forceinline__ long long offset(int tok, int) const { return (long long)tok * rowElems; }
  };
  template <typename T> __device__ __forceinline__ Req<T> forRequest(int req, int h, int headDim) const {
    int slot = slotOfRequest ? slotOfRequest[req] : req;
    long long base = (long long)slot * slotStrideBytes;
    Req<T> r;
    r.k = reinterpret_cast<const T*>(k + base) + (long long)h * headDim;
    r.v = reinterpret_cast<const T*>(v + base) + (long long)h * headDim;
    r.rowElems = rowElems;
    return r;
  }
};

struct PagedKv {
  const void* k;
  const void* v;
  const int32_t* blockTable;
  int maxBlocksPerSeq;
  int blockShift; // log2(blockSizeTokens)
  int rowElems;

  template <typename T> struct Req {
    const T* k;
    const T* v;
    const int32_t* table;
    int blockShift;
    int rowElems;
    __device__ __forceinline__ int lookup(int tok) const { return __ldg(table + (tok >> blockShift)); }
    __device__ __forceinline__ long long offset(int tok, int blk) const {
      const int inBlk = tok & ((1 << blockShift) - 1);
      return ((long long)blk << blockShift | inBlk) * rowElems;
    }
  };
  template <typename T> __device__ __forceinline__ Req<T> forRequest(int req, int h, int headDim) const {
    Req<T> r;
    r.k = reinterpret_cast<const T*>(k) + (long long)h * headDim;
    r.v = reinterpret_cast<const T*>(v) + (long long)h * headDim;
    r.table = blockTable + (long long)req * maxBlocksPerSeq;
    r.blockShift = blockShift;
    r.rowElems = rowElems;
    return r;
  }
};

// The addressers of a validated cache description (checkKv passed), built on the host.
inline ContiguousKv contiguousKvOf(const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv) {
  return ContiguousKv{static_cast<const char*>(kv->k), static_cast<const char*>(kv->v), (long long)kv->slotStrideBytes,
                      kv->slotOfRequest, contiguousTokenElems(s, kv)};
}
inline PagedKv pagedKvOf(const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv) {
  return PagedKv{kv->k, kv->v, kv->blockTable, kv->maxBlocksPerSeq, log2Exact(kv->blockSizeTokens),
                 s->numKvHeads * s->headDim};
}

} // namespace kvsim
