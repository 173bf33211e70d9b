// Small helpers for the attention kernel harness: CUDA error checks, host RNG, fp16/bf16 bits,
// device buffers, the KV layouts (arena slots, paged pool) built from one logical K/V, and timing.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../../kernels/attention/attention.h"

#define CK(call)                                                                                    \
  do {                                                                                              \
    cudaError_t e_ = (call);                                                                        \
    if (e_ != cudaSuccess) {                                                                        \
      std::fprintf(stderr, "CUDA error %s at %s:%d: %s\n", cudaGetErrorString(e_), __FILE__, __LINE__, #call); \
      std::exit(3);                                                                                 \
    }                                                                                               \
  } while (0)

#define CKA(call)                                                                                   \
  do {                                                                                              \
    int r_ = (call);                                                                                \
    if (r_ != 0) {                                                                                  \
      std::fprintf(stderr, "kvsim_attn error %d (%s) at %s:%d\n", r_, kvsim_attn_error_string(r_), __FILE__, __LINE__); \
      std::exit(4);                                                                                 \
    }                                                                                               \
  } while (0)

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
  double normal() {
    double u = std::max(uniform(), 1e-300), v = uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }
  int below(int n) { return (int)(next() % (uint64_t)n); }
};

inline uint16_t toBits(float x, kvsim_dtype_t dt) {
  if (dt == KVSIM_DTYPE_F16) {
    __half h = __float2half_rn(x);
    return *reinterpret_cast<uint16_t*>(&h);
  }
  __nv_bfloat16 b = __float2bfloat16_rn(x);
  return *reinterpret_cast<uint16_t*>(&b);
}
inline float fromBits(uint16_t u, kvsim_dtype_t dt) {
  if (dt == KVSIM_DTYPE_F16) return __half2float(*reinterpret_cast<__half*>(&u));
  return __bfloat162float(*reinterpret_cast<__nv_bfloat16*>(&u));
}
inline const char* dtName(kvsim_dtype_t dt) { return dt == KVSIM_DTYPE_F16 ? "f16" : "bf16"; }

// Random values rounded to the dtype: `bits` go to the GPU, `vals` (exactly representable) feed
// the float64 reference.
struct HostTensor {
  std::vector<uint16_t> bits;
  std::vector<double> vals;
  void fill(size_t n, Rng& rng, kvsim_dtype_t dt) {
    bits.resize(n);
    vals.resize(n);
    for (size_t i = 0; i < n; ++i) {
      bits[i] = toBits((float)rng.normal(), dt);
      vals[i] = fromBits(bits[i], dt);
    }
  }
};

template <typename T> struct DevBuf {
  T* p = nullptr;
  size_t n = 0;
  DevBuf() = default;
  explicit DevBuf(size_t count) { alloc(count); }
  void alloc(size_t count) {
    free();
    n = count;
    if (n) CK(cudaMalloc(&p, n * sizeof(T)));
  }
  void free() {
    if (p) cudaFree(p);
    p = nullptr;
    n = 0;
  }
  ~DevBuf() { free(); }
  DevBuf(const DevBuf&) = delete;
  DevBuf& operator=(const DevBuf&) = delete;
  void upload(const std::vector<T>& h) { CK(cudaMemcpy(p, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice)); }
  std::vector<T> download() const {
    std::vector<T> h(n);
    CK(cudaMemcpy(h.data(), p, n * sizeof(T), cudaMemcpyDeviceToHost));
    return h;
  }
};

// ‖out − ref‖ / ‖ref‖; NaN anywhere (an unwritten poisoned element) gives NaN.
inline double relErr(const std::vector<uint16_t>& out, const std::vector<double>& ref, kvsim_dtype_t dt) {
  double num = 0, den = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    double o = fromBits(out[i], dt);
    if (!std::isfinite(o)) return NAN;
    num += (o - ref[i]) * (o - ref[i]);
    den += ref[i] * ref[i];
  }
  return std::sqrt(num / std::max(den, 1e-300));
}

inline double tolFor(kvsim_dtype_t dt) { return dt == KVSIM_DTYPE_F16 ? 1e-3 : 1e-2; }

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Median milliseconds of `reps` runs of fn after `warm` untimed ones, each timed with CUDA events.
template <class F> double timeMs(F fn, int warm = 5, int reps = 30) {
  for (int i = 0; i < warm; ++i) fn(i);
  CK(cudaDeviceSynchronize());
  cudaEvent_t a, b;
  CK(cudaEventCreate(&a));
  CK(cudaEventCreate(&b));
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    CK(cudaEventRecord(a));
    fn(warm + i);
    CK(cudaEventRecord(b));
    CK(cudaEventSynchronize(b));
    float t = 0;
    CK(cudaEventElapsedTime(&t, a, b));
    ms.push_back(t);
  }
  CK(cudaGetLastError());
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  return median(ms);
}

// Logical K/V of a batch: per request [ctx][Hkv][D] (bits), laid out on the device either as
// arena slots (contiguous) or as a shuffled paged pool. Unused bytes are poisoned with NaN so
// that a kernel reading past a context, or a wrong block, shows up as a failure.
struct KvLayouts {
  size_t rowElems = 0;
  int64_t slotStrideBytes = 0;
  DevBuf<uint16_t> arenaK, arenaV, poolK, poolV;
  DevBuf<int32_t> slotOfRequest, blockTable;
  int maxBlocksPerSeq = 0;
  int blockSize = 0;

  // tokenRows > 1: one token's row every tokenRows rows (vAttention's megacache layout: the other
  // layers' rows in between, poisoned here); tight: the slot stride is the least the contract allows,
  // (maxCtx - 1) token strides plus one row, rounded up to 16 bytes (no whole-slot padding).
  int64_t tokenStrideBytes = 0;
  void buildArena(const std::vector<HostTensor>& k, const std::vector<HostTensor>& v, const std::vector<int>& ctx,
                  int hkv, int d, Rng& rng, int tokenRows = 1, bool tight = false) {
    rowElems = (size_t)hkv * d;
    const int batch = (int)ctx.size();
    const int maxCtx = *std::max_element(ctx.begin(), ctx.end());
    const size_t tokenElems = rowElems * (size_t)tokenRows;
    tokenStrideBytes = tokenRows > 1 ? (int64_t)tokenElems * 2 : 0;
    slotStrideBytes = tight ? (int64_t)((((size_t)maxCtx - 1) * tokenElems + rowElems) * 2 + 15) / 16 * 16
                            : (int64_t)((maxCtx * tokenElems * 2 + 255) / 256 * 256);
    const int slots = batch + 1; // one spare slot so that slot numbers are not just 0..batch-1
    std::vector<int32_t> slotOf(batch);
    std::vector<int> perm(slots);
    for (int i = 0; i < slots; ++i) perm[i] = i;
    for (int i = slots - 1; i > 0; --i) std::swap(perm[i], perm[rng.below(i + 1)]);
    for (int i = 0; i < batch; ++i) slotOf[i] = perm[i];
    const size_t slotElems = (size_t)slotStrideBytes / 2;
    std::vector<uint16_t> hk(slotElems * slots, 0xFFFF), hv(slotElems * slots, 0xFFFF);
    for (int i = 0; i < batch; ++i)
      for (int t = 0; t < ctx[i]; ++t) {
        const size_t src = (size_t)t * rowElems, dst = slotOf[i] * slotElems + (size_t)t * tokenElems;
        std::copy(k[i].bits.begin() + src, k[i].bits.begin() + src + rowElems, hk.begin() + dst);
        std::copy(v[i].bits.begin() + src, v[i].bits.begin() + src + rowElems, hv.begin() + dst);
      }
    arenaK.alloc(hk.size());
    arenaV.alloc(hv.size());
    arenaK.upload(hk);
    arenaV.upload(hv);
    slotOfRequest.alloc(batch);
    slotOfRequest.upload(slotOf);
  }

  void buildPaged(const std::vector<HostTensor>& k, const std::vector<HostTensor>& v, const std::vector<int>& ctx,
                  int hkv, int d, int bs, Rng& rng) {
    rowElems = (size_t)hkv * d;
    blockSize = bs;
    const int batch = (int)ctx.size();
    maxBlocksPerSeq = 0;
    int total = 0;
    for (int c : ctx) {
      maxBlocksPerSeq = std::max(maxBlocksPerSeq, (c + bs - 1) / bs);
      total += (c + bs - 1) / bs;
    }
    const int numBlocks = total + 3; // a few never-used (poisoned) blocks
    std::vector<int> perm(numBlocks);
    for (int i = 0; i < numBlocks; ++i) perm[i] = i;
    for (int i = numBlocks - 1; i > 0; --i) std::swap(perm[i], perm[rng.below(i + 1)]);
    std::vector<int32_t> table((size_t)batch * maxBlocksPerSeq, -1);
    const size_t blockElems = (size_t)bs * rowElems;
    std::vector<uint16_t> hk(blockElems * numBlocks, 0xFFFF), hv(blockElems * numBlocks, 0xFFFF);
    int next = 0;
    for (int i = 0; i < batch; ++i)
      for (int j = 0; j * bs < ctx[i]; ++j) {
        const int blk = perm[next++];
        table[(size_t)i * maxBlocksPerSeq + j] = blk;
        const int n = std::min(bs, ctx[i] - j * bs);
        std::copy(k[i].bits.begin() + (size_t)j * blockElems, k[i].bits.begin() + (size_t)j * blockElems + n * rowElems,
                  hk.begin() + (size_t)blk * blockElems);
        std::copy(v[i].bits.begin() + (size_t)j * blockElems, v[i].bits.begin() + (size_t)j * blockElems + n * rowElems,
                  hv.begin() + (size_t)blk * blockElems);
      }
    poolK.alloc(hk.size());
    poolV.alloc(hv.size());
    poolK.upload(hk);
    poolV.upload(hv);
    blockTable.alloc(table.size());
    blockTable.upload(table);
  }

  kvsim_kv_cache_t arena() const {
    kvsim_kv_cache_t c{};
    c.layout = KVSIM_KV_CONTIGUOUS;
    c.k = arenaK.p;
    c.v = arenaV.p;
    c.slotStrideBytes = slotStrideBytes;
    c.tokenStrideBytes = tokenStrideBytes;
    c.slotOfRequest = slotOfRequest.p;
    return c;
  }
  kvsim_kv_cache_t paged() const {
    kvsim_kv_cache_t c{};
    c.layout = KVSIM_KV_PAGED;
    c.k = poolK.p;
    c.v = poolV.p;
    c.blockTable = blockTable.p;
    c.maxBlocksPerSeq = maxBlocksPerSeq;
    c.blockSizeTokens = blockSize;
    return c;
  }
};
