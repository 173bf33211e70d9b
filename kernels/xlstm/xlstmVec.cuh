// 16-byte vector views of state rows: one load or store instruction per thread per access.
#pragma once

#include "xlstmCommon.cuh"

namespace kvsim_xlstm {

template <typename T> struct Vec16;

template <> struct Vec16<float> {
  static constexpr int N = 4;
  __device__ __forceinline__ static void unpack(const uint4& u, float* f) {
    f[0] = __uint_as_float(u.x);
    f[1] = __uint_as_float(u.y);
    f[2] = __uint_as_float(u.z);
    f[3] = __uint_as_float(u.w);
  }
  __device__ __forceinline__ static uint4 pack(const float* f) {
    return make_uint4(__float_as_uint(f[0]), __float_as_uint(f[1]), __float_as_uint(f[2]),
                      __float_as_uint(f[3]));
  }
};

template <> struct Vec16<__nv_bfloat16> {
  static constexpr int N = 8;
  __device__ __forceinline__ static float2 un2(unsigned w) {
    __nv_bfloat162 b = *reinterpret_cast<__nv_bfloat162*>(&w);
    return __bfloat1622float2(b);
  }
  __device__ __forceinline__ static unsigned pk2(float a, float b) {
    __nv_bfloat162 v = __floats2bfloat162_rn(a, b);
    return *reinterpret_cast<unsigned*>(&v);
  }
  __device__ __forceinline__ static void unpack(const uint4& u, float* f) {
    float2 a = un2(u.x), b = un2(u.y), c = un2(u.z), d = un2(u.w);
    f[0] = a.x; f[1] = a.y; f[2] = b.x; f[3] = b.y;
    f[4] = c.x; f[5] = c.y; f[6] = d.x; f[7] = d.y;
  }
  __device__ __forceinline__ static uint4 pack(const float* f) {
    return make_uint4(pk2(f[0], f[1]), pk2(f[2], f[3]), pk2(f[4], f[5]), pk2(f[6], f[7]));
  }
};

// Loads/stores that bypass nothing but mark the line evict-first: the state is touched once
// per step, so keeping it in L2 only displaces the inputs other blocks still need.
template <bool Streaming>
__device__ __forceinline__ uint4 ld16(const void* p) {
  if constexpr (Streaming) return __ldcs(reinterpret_cast<const uint4*>(p));
  else return *reinterpret_cast<const uint4*>(p);
}
template <bool Streaming>
__device__ __forceinline__ void st16(void* p, const uint4& v) {
  if constexpr (Streaming) __stcs(reinterpret_cast<uint4*>(p), v);
  else *reinterpret_cast<uint4*>(p) = v;
}

}  // namespace kvsim_xlstm
