// The consumer warpgroup's math in the warp-specialised Hopper prefill kernels (prefillHopperWs.cu:
// cp.async producer, one CTA per tile; prefillHopperTma.cu: TMA producer, persistent CTAs): the two
// GEMMs it issues on a K/V stage, the masked online softmax, P packed into wgmma A fragments, the
// rescale of O, and the epilogue. One copy, so that both kernels round and mask identically.
//
// Layouts (hopperTile.cuh): Q and K/V tiles as 128-byte-swizzled panels of 64 head-dim elements;
// a consumer warpgroup owns 64 query rows; thread (warp w, lane g*4+t) holds rows 16w+g and 16w+g+8
// of them, columns 2t, 2t+1 of every 8-column group (the wgmma accumulator layout).
#pragma once

#include <math.h>
#include <stdint.h>

#include "common.cuh"
#include "hopperTile.cuh"
#include "wgmma.cuh"

namespace kvsim {

// Shared memory of the warp-specialised kernels, from the first 1024-byte boundary (the 128-byte
// swizzle needs it): the Q tile (BM rows), Stages K tiles and Stages V tiles (BN rows each), then
// 8-byte mbarriers: full K, full V, empty K, empty V (Stages each) and `ExtraBars` more after them
// (first at barExtra). One layout, so the kernels and their launch size cannot disagree.
template <typename T, int D, int BM, int BN, int Stages, int ExtraBars> struct WsSmem {
  static constexpr size_t kBytes = (size_t)(BM * D + 2 * Stages * BN * D) * 2 + 1024 + 8 * (4 * Stages + ExtraBars);
  T* sQ;
  T* sK;
  T* sV;
  uint32_t aQ, aK, aV, barFullK, barFullV, barEmptyK, barEmptyV, barExtra;
  __device__ __forceinline__ explicit WsSmem(uint8_t* raw) {
    const uint32_t pad = (1024 - (smemAddr(raw) & 1023)) & 1023;
    sQ = reinterpret_cast<T*>(raw + pad);
    sK = sQ + BM * D;
    sV = sK + Stages * BN * D;
    aQ = smemAddr(sQ);
    aK = smemAddr(sK);
    aV = smemAddr(sV);
    barFullK = smemAddr(sV + Stages * BN * D);
    barFullV = barFullK + 8 * Stages;
    barEmptyK = barFullV + 8 * Stages;
    barEmptyV = barEmptyK + 8 * Stages;
    barExtra = barEmptyV + 8 * Stages;
  }
};

template <typename T, int D, int BM, int BN, bool Causal> struct WsConsumerMath {
  static constexpr int kNT = BN / 8; // 8-key column groups of S
  static constexpr int kDT = D / 8;  // 8-column groups of O

  float o[D / 2];
  float s[BN / 2];
  uint32_t pa[BN / 16][4];
  float m[2], l[2];

  __device__ __forceinline__ void reset() {
#pragma unroll
    for (int i = 0; i < D / 2; ++i) o[i] = 0.f;
    m[0] = m[1] = -INFINITY;
    l[0] = l[1] = 0.f;
  }

  // S = Q K^T for this warpgroup's 64 rows (cw: 0 or 1) against the K stage at kBase (shared address).
  __device__ __forceinline__ void issueS(uint32_t aQ, int cw, uint32_t kBase) {
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      const uint32_t panelQ = (kk >> 2) * BM * 128, panelK = (kk >> 2) * BN * 128, within = (kk & 3) * 32;
      const uint64_t da = smemDesc(aQ + panelQ + cw * 64 * 128 + within, 16, 1024);
      const uint64_t db = smemDesc(kBase + panelK + within, 16, 1024);
      Wgmma<T, BN>::ss(s, da, db, kk > 0 ? 1 : 0);
    }
    wgmmaCommit();
  }

  // O += P V against the V stage at vBase.
  __device__ __forceinline__ void issuePv(uint32_t vBase) {
#pragma unroll
    for (int ks = 0; ks < BN / 16; ++ks) {
      const uint64_t dv = smemDesc(vBase + ks * 16 * 128, BN * 128, 1024);
      Wgmma<T, D>::rsTransB(o, pa[ks], dv);
    }
    wgmmaCommit();
  }

  // Softmax of S for the tile whose first key is t0 (in place: s becomes exp(s - m)); corr receives
  // the rescale of the previous O and l. minPos: the CTA's first query position; posA: this thread's
  // first row's position (its second is posA + 8); ctx: keys that exist.
  __device__ __forceinline__ void softmax(int t0, int minPos, int posA, int ctx, float scaleLog2, float (&corr)[2]) {
    const int t = threadIdx.x & 3;
    const bool needMask = Causal ? (t0 + BN - 1 > minPos) : (t0 + BN > ctx);
    if (needMask) {
#pragma unroll
      for (int n = 0; n < kNT; ++n)
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int key = t0 + n * 8 + 2 * t + (e & 1);
          const bool ok = Causal ? key <= posA + ((e >> 1) << 3) : key < ctx;
          s[4 * n + e] = ok ? s[4 * n + e] : -INFINITY;
        }
    }
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float mx = -INFINITY;
#pragma unroll
      for (int n = 0; n < kNT; ++n) mx = fmaxf(mx, fmaxf(s[4 * n + 2 * r], s[4 * n + 2 * r + 1]));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
      mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
      const float mNew = fmaxf(m[r], mx * scaleLog2);
      const float mUse = mNew == -INFINITY ? 0.f : mNew;
      corr[r] = fastExp2(m[r] - mUse);
      m[r] = mNew;
      float sum = 0.f;
#pragma unroll
      for (int n = 0; n < kNT; ++n) {
        s[4 * n + 2 * r] = fastExp2(fmaf(s[4 * n + 2 * r], scaleLog2, -mUse));
        s[4 * n + 2 * r + 1] = fastExp2(fmaf(s[4 * n + 2 * r + 1], scaleLog2, -mUse));
        sum += s[4 * n + 2 * r] + s[4 * n + 2 * r + 1];
      }
      l[r] = l[r] * corr[r] + sum;
    }
  }

  // P (rounded to T) into the A fragments of the next P V.
  __device__ __forceinline__ void packP() {
#pragma unroll
    for (int ks = 0; ks < BN / 16; ++ks) {
      pa[ks][0] = Elem<T>::pack(s[8 * ks + 0], s[8 * ks + 1]);
      pa[ks][1] = Elem<T>::pack(s[8 * ks + 2], s[8 * ks + 3]);
      pa[ks][2] = Elem<T>::pack(s[8 * ks + 4], s[8 * ks + 5]);
      pa[ks][3] = Elem<T>::pack(s[8 * ks + 6], s[8 * ks + 7]);
    }
  }

  __device__ __forceinline__ void rescaleO(const float (&corr)[2]) {
#pragma unroll
    for (int n = 0; n < kDT; ++n) {
      o[4 * n + 0] *= corr[0];
      o[4 * n + 1] *= corr[0];
      o[4 * n + 2] *= corr[1];
      o[4 * n + 3] *= corr[1];
    }
  }

  // O / l to global memory: out points at the CTA's first query row (head offset applied); rows at or
  // past rowsValid (of the CTA's BM) are not written.
  __device__ __forceinline__ void store(T* out, long long qRowStride, int cw, int rowsValid) {
    const int lane = threadIdx.x & 31, warpInWg = (threadIdx.x >> 5) & 3;
    const int g = lane >> 2, t = lane & 3;
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float lt = l[r];
      lt += __shfl_xor_sync(0xffffffffu, lt, 1);
      lt += __shfl_xor_sync(0xffffffffu, lt, 2);
      const float inv = lt > 0.f ? 1.f / lt : 0.f;
      const int row = cw * 64 + warpInWg * 16 + g + r * 8;
      if (row < rowsValid) {
        T* dst = out + row * qRowStride + 2 * t;
#pragma unroll
        for (int n = 0; n < kDT; ++n)
          *reinterpret_cast<uint32_t*>(dst + n * 8) = Elem<T>::pack(o[4 * n + 2 * r] * inv, o[4 * n + 2 * r + 1] * inv);
      }
    }
  }
};

// Zeros for the rows of a block whose context is shorter than its queries (a caller bug that the other
// prefill kernels also answer with zero rows). threads: the threads taking part, from index `first`.
template <typename T, int D, int BM>
__device__ __forceinline__ void storeZeroRows(T* out, long long qRowStride, int rowsValid, int first, int threads) {
  for (int i = first; i < BM * (D / 2); i += threads) {
    const int r = i / (D / 2), c = i % (D / 2);
    if (r < rowsValid) reinterpret_cast<uint32_t*>(out + r * qRowStride)[c] = 0u;
  }
}

} // namespace kvsim
