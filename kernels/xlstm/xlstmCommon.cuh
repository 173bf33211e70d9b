// Shared device helpers for the xLSTM kernels: element conversion, gate math, launch plumbing.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <math.h>
#include <stdint.h>

#include "xlstm.h"

namespace kvsim_xlstm {

// Consecutive regions of one buffer (a kernel's shared memory, a workspace), each starting at a
// multiple of `align` (a power of two): take(bytes) returns the region's offset; `end` is the total.
struct RegionCarver {
  size_t end = 0, align;
  __host__ __device__ explicit RegionCarver(size_t alignBytes) : align(alignBytes) {}
  __host__ __device__ size_t take(size_t bytes) {
    const size_t at = end;
    end += (bytes + align - 1) & ~(align - 1);
    return at;
  }
};

// Why a separate epsilon constant: it is part of the function (xLSTM adds it to the
// normalizer), so the reference and every kernel must use the same value.
constexpr float kNormEps = 1e-6f;

__device__ __forceinline__ float toF(float x) { return x; }
__device__ __forceinline__ float toF(__nv_bfloat16 x) { return __bfloat162float(x); }
__device__ __forceinline__ float toF(__half x) { return __half2float(x); }

template <typename T> __device__ __forceinline__ T fromF(float x);
template <> __device__ __forceinline__ float fromF<float>(float x) { return x; }
template <> __device__ __forceinline__ __nv_bfloat16 fromF<__nv_bfloat16>(float x) {
  return __float2bfloat16_rn(x);
}
template <> __device__ __forceinline__ __half fromF<__half>(float x) { return __float2half_rn(x); }

// log(sigmoid(x)) without overflow for large |x|.
__device__ __forceinline__ float logSigmoid(float x) {
  return fminf(x, 0.0f) - log1pf(expf(-fabsf(x)));
}

__device__ __forceinline__ float softCap(float x, float cap) {
  return cap > 0.0f ? cap * tanhf(x / cap) : x;
}

// Split cluster barrier: `arrive` after a block has read the shared per-(request, head) values
// (n, m, h_prev) and `wait` before one block overwrites them, so blocks of one cluster never
// see a neighbour's new value. Release/acquire order the reads before the writes.
__device__ __forceinline__ void clusterArrive() {
  asm volatile("barrier.cluster.arrive.release.aligned;\n" ::: "memory");
}
__device__ __forceinline__ void clusterWait() {
  asm volatile("barrier.cluster.wait.acquire.aligned;\n" ::: "memory");
}
__device__ __forceinline__ unsigned clusterRank() {
  unsigned r;
  asm volatile("mov.u32 %0, %%cluster_ctarank;\n" : "=r"(r));
  return r;
}

// 16-byte global->shared copy that does not stall the thread; `valid` false zero-fills.
__device__ __forceinline__ void cpAsync16(void* dst, const void* src, bool valid) {
  const unsigned d = static_cast<unsigned>(__cvta_generic_to_shared(dst));
  const int n = valid ? 16 : 0;
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(d), "l"(src), "r"(n)
               : "memory");
}
__device__ __forceinline__ void cpAsyncWaitAll() {
  asm volatile("cp.async.commit_group;\ncp.async.wait_group 0;\n" ::: "memory");
}
__device__ __forceinline__ void cpAsyncCommit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
// Wait until at most `n` of this thread's committed groups are still in flight.
template <int n> __device__ __forceinline__ void cpAsyncWait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(n) : "memory");
}

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

}  // namespace kvsim_xlstm

// Host-side helpers shared by the .cu files of this folder.
namespace kvsim_xlstm_host {

void setLastCudaError(cudaError_t e);

// cudaLaunchKernelEx with `numAttrs` launch attributes (a cluster shape, programmatic stream
// serialization, ...); returns the CUDA error.
template <typename Kernel, typename... Args>
cudaError_t launchEx(Kernel kernel, dim3 grid, dim3 block, size_t smemBytes, cudaStream_t stream,
                     cudaLaunchAttribute* attrs, int numAttrs, Args... args) {
  cudaLaunchConfig_t cfg = {};
  cfg.gridDim = grid;
  cfg.blockDim = block;
  cfg.dynamicSmemBytes = smemBytes;
  cfg.stream = stream;
  cfg.attrs = attrs;
  cfg.numAttrs = numAttrs;
  return cudaLaunchKernelEx(&cfg, kernel, args...);
}

// Launch `kernel` with a (clusterX, 1, 1) thread-block cluster; returns an xlstm_status.
template <typename Kernel, typename... Args>
int launchWithCluster(Kernel kernel, dim3 grid, dim3 block, size_t smemBytes, int clusterX,
                      cudaStream_t stream, Args... args) {
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeClusterDimension;
  attr[0].val.clusterDim.x = clusterX;
  attr[0].val.clusterDim.y = 1;
  attr[0].val.clusterDim.z = 1;
  const cudaError_t e = launchEx(kernel, grid, block, smemBytes, stream, attr, 1, args...);
  if (e != cudaSuccess) {
    setLastCudaError(e);
    return XLSTM_ERR_CUDA;
  }
  return XLSTM_OK;
}

inline bool isInputDtype(xlstm_dtype d) { return d == XLSTM_BF16 || d == XLSTM_F16; }
inline bool isStateDtype(xlstm_dtype d) { return d == XLSTM_F32 || d == XLSTM_BF16; }

}  // namespace kvsim_xlstm_host
