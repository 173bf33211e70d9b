#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "modelGlue.h"

namespace {

__device__ __forceinline__ uint64_t Mix(uint64_t x) {
  // splitmix64 finaliser: a cheap, well-distributed counter hash.
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

__global__ void FillRandom(__nv_bfloat16* p, int64_t n, uint64_t seed, float scale) {
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const uint64_t h = Mix(seed ^ Mix((uint64_t)i));
    // 24 random bits -> (0, 1), never exactly 0 so no value is zero.
    const float u = ((float)(h >> 40) + 0.5f) * (1.0f / 16777216.0f);
    p[i] = __float2bfloat16((2.0f * u - 1.0f) * scale);
  }
}

// One CTA per token; each thread moves 16 bytes (8 bf16).
__global__ void SplitQkvAppend(const uint4* __restrict__ qkv, int32_t H, int32_t Hkv, int32_t D,
                               const int32_t* __restrict__ tokenRow, const int32_t* __restrict__ tokenPos,
                               uint4* __restrict__ q, kvsim_kv_write_t kv) {
  const int t = blockIdx.x;
  const int vecPerRow = (H + 2 * Hkv) * D / 8;
  const int qVec = H * D / 8;
  const int kvVec = Hkv * D / 8;
  const int row = tokenRow[t];
  const int64_t pos = tokenPos[t];
  const uint4* src = qkv + (int64_t)t * vecPerRow;
  int64_t tokenOffsetBytes;  // byte offset of this token's [Hkv][D] inside the layer's K (or V) buffer
  if (kv.layout == 0) {
    const int64_t stride = kv.tokenStrideBytes != 0 ? kv.tokenStrideBytes : (int64_t)kvVec * 16;
    tokenOffsetBytes = (int64_t)kv.slotOfRow[row] * kv.slotStrideBytes + pos * stride;
  } else {
    const int32_t block = kv.blockTable[(int64_t)row * kv.maxBlocksPerSeq + pos / kv.blockSizeTokens];
    tokenOffsetBytes = ((int64_t)block * kv.blockSizeTokens + pos % kv.blockSizeTokens) * kvVec * 16;
  }
  uint4* kDst = reinterpret_cast<uint4*>(static_cast<char*>(kv.k) + tokenOffsetBytes);
  uint4* vDst = reinterpret_cast<uint4*>(static_cast<char*>(kv.v) + tokenOffsetBytes);
  for (int e = threadIdx.x; e < vecPerRow; e += blockDim.x) {
    const uint4 x = src[e];
    if (e < qVec) q[(int64_t)t * qVec + e] = x;
    else if (e < qVec + kvVec) kDst[e - qVec] = x;
    else vDst[e - qVec - kvVec] = x;
  }
}

__global__ void SiluMul(const __nv_bfloat16* __restrict__ gu, __nv_bfloat16* __restrict__ out, int32_t T, int32_t F) {
  const int64_t n = (int64_t)T * F;
  for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t t = i / F, f = i % F;
    const float g = __bfloat162float(gu[t * 2 * F + f]);
    const float u = __bfloat162float(gu[t * 2 * F + F + f]);
    out[i] = __float2bfloat16(g / (1.0f + __expf(-g)) * u);
  }
}

__global__ void SplitMlstm(const __nv_bfloat16* __restrict__ proj, int32_t H, int32_t dqk, int32_t dv,
                           __nv_bfloat16* __restrict__ q, __nv_bfloat16* __restrict__ k, __nv_bfloat16* __restrict__ v,
                           float* __restrict__ ig, float* __restrict__ fg) {
  const int t = blockIdx.x;
  const int qk = H * dqk, vv = H * dv;
  const int width = 2 * qk + vv + 2 * H;
  const __nv_bfloat16* src = proj + (int64_t)t * width;
  for (int e = threadIdx.x; e < width; e += blockDim.x) {
    const __nv_bfloat16 x = src[e];
    if (e < qk) q[(int64_t)t * qk + e] = x;
    else if (e < 2 * qk) k[(int64_t)t * qk + e - qk] = x;
    else if (e < 2 * qk + vv) v[(int64_t)t * vv + e - 2 * qk] = x;
    else if (e < 2 * qk + vv + H) ig[(int64_t)t * H + e - 2 * qk - vv] = __bfloat162float(x);
    else fg[(int64_t)t * H + e - 2 * qk - vv - H] = __bfloat162float(x) + 3.0f;  // forget gates start open
  }
}

int Launched() { return (int)cudaGetLastError(); }

__device__ __forceinline__ unsigned long long GlobalTimerNs() {
  unsigned long long t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

__global__ void BusyWait(unsigned long long ns) {
  const unsigned long long t0 = GlobalTimerNs();
  while (GlobalTimerNs() - t0 < ns) {
  }
}

}  // namespace

extern "C" int kvsim_fill_random_bf16(void* p, int64_t n, uint64_t seed, float scale, void* stream) {
  if (!p || n <= 0) return -1;
  FillRandom<<<1024, 256, 0, (cudaStream_t)stream>>>(static_cast<__nv_bfloat16*>(p), n, seed, scale);
  return Launched();
}

extern "C" int kvsim_busy_wait_ns(int64_t ns, void* stream) {
  if (ns < 0 || ns > 1000000000) return -1;  // at most a second: a guard against a unit mistake
  if (ns == 0) return 0;
  BusyWait<<<1, 32, 0, (cudaStream_t)stream>>>(static_cast<unsigned long long>(ns));
  return Launched();
}

extern "C" int kvsim_split_qkv_append(const void* qkv, int32_t T, int32_t H, int32_t Hkv, int32_t D,
                                      const int32_t* tokenRow, const int32_t* tokenPos, void* q,
                                      const kvsim_kv_write_t* kv, void* stream) {
  if (!qkv || !tokenRow || !tokenPos || !q || !kv || T < 0 || H <= 0 || Hkv <= 0 || D % 8 != 0) return -1;
  if (kv->layout == 0 && kv->tokenStrideBytes != 0 && (kv->tokenStrideBytes < (int64_t)Hkv * D * 2 || kv->tokenStrideBytes % 16 != 0)) return -1;
  if (T == 0) return 0;
  SplitQkvAppend<<<T, 128, 0, (cudaStream_t)stream>>>(static_cast<const uint4*>(qkv), H, Hkv, D, tokenRow, tokenPos,
                                                      static_cast<uint4*>(q), *kv);
  return Launched();
}

extern "C" int kvsim_silu_mul_bf16(const void* gateUp, void* out, int32_t T, int32_t F, void* stream) {
  if (!gateUp || !out || T < 0 || F <= 0) return -1;
  if (T == 0) return 0;
  SiluMul<<<1024, 256, 0, (cudaStream_t)stream>>>(static_cast<const __nv_bfloat16*>(gateUp),
                                                 static_cast<__nv_bfloat16*>(out), T, F);
  return Launched();
}

extern "C" int kvsim_split_mlstm(const void* proj, int32_t T, int32_t H, int32_t dqk, int32_t dv, void* q, void* k,
                                 void* v, float* igate, float* fgate, void* stream) {
  if (!proj || !q || !k || !v || !igate || !fgate || T < 0 || H <= 0) return -1;
  if (T == 0) return 0;
  SplitMlstm<<<T, 256, 0, (cudaStream_t)stream>>>(static_cast<const __nv_bfloat16*>(proj), H, dqk, dv,
                                                  static_cast<__nv_bfloat16*>(q), static_cast<__nv_bfloat16*>(k),
                                                  static_cast<__nv_bfloat16*>(v), igate, fgate);
  return Launched();
}
