// Device-side random fill for benchmarks (no host round trip for GiB-sized KV caches): uniform
// values in [-2, 2) from a counter hash, never all zeros (zeros can time faster than real data).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "attention.h"

namespace {

__global__ void fillRandomKernel(uint16_t* p, size_t n, unsigned long long seed, int bf16) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    unsigned long long z = (i + 1) * 0x9E3779B97F4A7C15ull ^ (seed * 0xD1B54A32D192ED03ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const float x = (float)(z >> 40) * (4.0f / 16777216.0f) - 2.0f;
    if (bf16) {
      __nv_bfloat16 b = __float2bfloat16_rn(x);
      p[i] = *reinterpret_cast<uint16_t*>(&b);
    } else {
      __half h = __float2half_rn(x);
      p[i] = *reinterpret_cast<uint16_t*>(&h);
    }
  }
}

} // namespace

extern "C" int kvsim_fill_random_16(void* p, size_t count, uint64_t seed, kvsim_dtype_t dtype, void* stream) {
  if (!p && count) return KVSIM_ATTN_EINVAL;
  if (dtype != KVSIM_DTYPE_F16 && dtype != KVSIM_DTYPE_BF16) return KVSIM_ATTN_EDTYPE;
  if (!count) return KVSIM_ATTN_OK;
  fillRandomKernel<<<1024, 256, 0, static_cast<cudaStream_t>(stream)>>>(static_cast<uint16_t*>(p), count, seed,
                                                                       dtype == KVSIM_DTYPE_BF16);
  return (int)cudaGetLastError();
}
