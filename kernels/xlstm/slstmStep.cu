// sLSTM recurrent step: scalar memory per unit, block-diagonal recurrent weights per head,
// exponential input gate with the log-space stabilizer m (as in xLSTM's sLSTM cell):
//   raw_g = xPre_g + bias_g + sum_k h_{t-1,k} R_g[k][j]       for g in i, f, z, o
//   m' = max(i, m + logsigmoid(f));  i' = exp(i - m');  f' = exp(m + logsigmoid(f) - m')
//   c' = f' c + i' tanh(z);  n' = f' n + i';  h' = sigmoid(o) c' / n'
// (xLSTM's reference sets m' = i when n == 0; that only changes the stored scale of c and n,
// not h, so the plain max is used.)
//
// Two launches. (1) The recurrent product, a small batched GEMV whose cost is reading R once:
// each block takes 256 output columns of one gate's matrix, a range of k rows (split so that
// even batch 1 puts a few hundred blocks on the GPU) and a group of 8 requests; each warp reads
// a whole 512-byte row slice per load. Partial sums per k-range go to the workspace, so the
// result is deterministic (no atomics). (2) Gating and the state update, elementwise. Splitting
// at the product also removes the read-before-overwrite hazard on h without a grid barrier.
//
// Variants (one device run can time them side by side through xlstm_slstm_step_variant; the public
// xlstm_slstm_step takes the one named by the environment variable KVSIM_SLSTM_VARIANT, read once
// per process: "old", "new", "new-nopdl", "coop" or "new-early"; unset: kSlVarDefault; anything else: every step fails with
// XLSTM_ERR_INVALID_ARGUMENT after one line on stderr naming the variable):
//   old        the run-5 code: CUDA-core product below kSlMmaMinBatch requests, tensor cores from
//              there, two plain launches, 256-thread gate blocks (slstmGateKernel4).
//   new        tensor-core product at every batch (fewer partial sums: 2 instead of 16 splits at
//              B=8), R prefetched into L2 ahead of the cp.async ring, both kernels launched with
//              programmatic dependent launch: the gate kernel (slstmGateKernelPdl, 64-thread blocks
//              so that small batches still spread over the SMs) loads slot, xPre, bias, c, n, m
//              while the product runs and only the partial sums after griddepcontrol.wait.
//   new-nopdl  new with plain launches (isolates what PDL contributes).
//   coop       new's product and gating in one cooperative launch with a grid-wide barrier between
//              them (slstmStepCoopKernel): what the second launch costs. Runs new where the grid
//              cannot be resident at once (launchSlstmCoop).
// The workspace (xlstm_slstm_workspace_bytes) is the largest any variant needs.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <cooperative_groups.h>

#include "slstmRecurrentMma.cuh"
#include "xlstmCommon.cuh"
#include "xlstmVec.cuh"

namespace kvsim_xlstm {

constexpr int kSlCols = 256;       // output columns per block (32 lanes x 8)
constexpr int kSlWarps = 8;        // each warp takes every 8th k row of the block's range
constexpr int kSlThreads = kSlWarps * 32;
constexpr int kSlGroup = 8;        // requests per block
constexpr int kSlTargetBlocks = 264;
constexpr int kSlMinRows = 32;     // fewest k rows per split

struct SlPlan {
  int colTiles, groups, kSplits, kLen;
};

// Depends on sizes only, so workspace sizing agrees with the launch on any device.
inline SlPlan slPlan(int batch, int heads, int dh) {
  SlPlan p;
  p.colTiles = (dh + kSlCols - 1) / kSlCols;
  p.groups = (batch + kSlGroup - 1) / kSlGroup;
  const long base = 4L * p.colTiles * heads * p.groups;
  int ks = 1;
  while (ks * 2 * kSlMinRows <= dh && base * ks < kSlTargetBlocks) ks *= 2;
  p.kSplits = ks;
  p.kLen = (dh + ks - 1) / ks;
  return p;
}

template <typename TIn, typename TState>
__global__ void __launch_bounds__(kSlThreads)
    slstmRecurrentKernel(const xlstm_slstm_step_args a, SlPlan p) {
  extern __shared__ float sm[];
  float* hs = sm;                          // [kSlGroup][kLen] h_{t-1} of this k range
  float* red = sm + ((kSlGroup * p.kLen + 3) & ~3);  // [kSlWarps][kSlGroup][kSlCols], 16 B aligned
  const int H = a.heads, dh = a.headDim;
  const int g = blockIdx.x / p.colTiles, colTile = blockIdx.x % p.colTiles;
  const int ks = blockIdx.y;
  const int head = blockIdx.z % H, group = blockIdx.z / H;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int k0 = ks * p.kLen, kLen = min(p.kLen, dh - k0);
  const int j0 = colTile * kSlCols + lane * 8;

  for (int idx = threadIdx.x; idx < kSlGroup * p.kLen; idx += kSlThreads) {
    const int bi = idx / p.kLen, kk = idx % p.kLen;
    const int b = group * kSlGroup + bi;
    float v = 0.0f;
    if (b < a.batch && kk < kLen) {
      const int s = a.slots[b];
      if (s >= 0 && s < a.state.numSlots)
        v = toF(reinterpret_cast<const TState*>(a.state.h)[((size_t)s * H + head) * dh + k0 + kk]);
    }
    hs[idx] = v;
  }
  __syncthreads();

  float acc[kSlGroup][8];
#pragma unroll
  for (int bi = 0; bi < kSlGroup; ++bi)
#pragma unroll
    for (int e = 0; e < 8; ++e) acc[bi][e] = 0.0f;
  if (j0 < dh) {
    const TIn* R = reinterpret_cast<const TIn*>(a.R) + (((size_t)head * 4 + g) * dh + k0) * dh + j0;
#pragma unroll 2
    for (int kk = warp; kk < kLen; kk += kSlWarps) {
      const uint4 raw = __ldg(reinterpret_cast<const uint4*>(R + (size_t)kk * dh));
      const TIn* w8 = reinterpret_cast<const TIn*>(&raw);
      float w[8];
#pragma unroll
      for (int e = 0; e < 8; ++e) w[e] = toF(w8[e]);
#pragma unroll
      for (int bi = 0; bi < kSlGroup; ++bi) {
        const float hv = hs[bi * p.kLen + kk];
#pragma unroll
        for (int e = 0; e < 8; ++e) acc[bi][e] = fmaf(w[e], hv, acc[bi][e]);
      }
    }
  }
#pragma unroll
  for (int bi = 0; bi < kSlGroup; ++bi) {
    float4* r4 = reinterpret_cast<float4*>(red + (warp * kSlGroup + bi) * kSlCols + lane * 8);
    r4[0] = make_float4(acc[bi][0], acc[bi][1], acc[bi][2], acc[bi][3]);
    r4[1] = make_float4(acc[bi][4], acc[bi][5], acc[bi][6], acc[bi][7]);
  }
  __syncthreads();
  // Sum over warps; write this k range's partial: ws[ks][b][g][head][j].
  float* ws = static_cast<float*>(a.workspace);
  for (int idx = threadIdx.x; idx < kSlGroup * kSlCols; idx += kSlThreads) {
    const int bi = idx / kSlCols, c = idx % kSlCols;
    const int b = group * kSlGroup + bi, j = colTile * kSlCols + c;
    if (b >= a.batch || j >= dh) continue;
    float s = 0.0f;
#pragma unroll
    for (int w = 0; w < kSlWarps; ++w) s += red[(w * kSlGroup + bi) * kSlCols + c];
    ws[((((size_t)ks * a.batch + b) * 4 + g) * H + head) * dh + j] = s;
  }
}

// One unit's gating and state update (every gate kernel): pre-activations i, f, z, o of this step,
// c, n, m in and out (m the log-space stabiliser); returns h.
__device__ __forceinline__ float slGateUpdate(float i, float f, float z, float o, float& c, float& n,
                                              float& m) {
  const float logFm = m + logSigmoid(f);
  const float mNew = fmaxf(i, logFm);
  const float iAct = expf(i - mNew), fAct = expf(logFm - mNew);
  c = fAct * c + iAct * tanhf(z);
  n = fAct * n + iAct;
  m = mNew;
  return (1.0f / (1.0f + expf(-o))) * c / n;
}

// kSplits: how many partial sums per pre-activation the recurrent kernel left in the workspace.
template <typename TIn, typename TState>
__global__ void slstmGateKernel(const xlstm_slstm_step_args a, int kSplits) {
  const int H = a.heads, dh = a.headDim;
  const size_t total = (size_t)a.batch * H * dh;
  for (size_t idx = blockIdx.x * (size_t)blockDim.x + threadIdx.x; idx < total;
       idx += (size_t)gridDim.x * blockDim.x) {
    const int j = (int)(idx % dh);
    const int head = (int)((idx / dh) % H);
    const int b = (int)(idx / ((size_t)dh * H));
    TIn* y = reinterpret_cast<TIn*>(a.y) + idx;
    const int s = a.slots[b];
    if (s < 0 || s >= a.state.numSlots) {
      *y = fromF<TIn>(__int_as_float(0x7fc00000));
      continue;
    }
    const float* ws = static_cast<const float*>(a.workspace);
    float raw[4];
#pragma unroll
    for (int g = 0; g < 4; ++g) {
      float v = toF(reinterpret_cast<const TIn*>(a.xPre)[(((size_t)b * 4 + g) * H + head) * dh + j]);
      if (a.bias) v += a.bias[((size_t)g * H + head) * dh + j];
      for (int ks = 0; ks < kSplits; ++ks)
        v += ws[((((size_t)ks * a.batch + b) * 4 + g) * H + head) * dh + j];
      raw[g] = v;
    }
    const size_t e = ((size_t)s * H + head) * dh + j;
    TState* cS = reinterpret_cast<TState*>(a.state.c);
    TState* nS = reinterpret_cast<TState*>(a.state.n);
    TState* hS = reinterpret_cast<TState*>(a.state.h);
    float c = toF(cS[e]), n = toF(nS[e]), m = a.state.m[e];
    const float h = slGateUpdate(raw[0], raw[1], raw[2], raw[3], c, n, m);
    cS[e] = fromF<TState>(c);
    nS[e] = fromF<TState>(n);
    hS[e] = fromF<TState>(h);
    a.state.m[e] = m;
    *y = fromF<TIn>(h);
  }
}

// 4 adjacent units per thread (headDim % 8 == 0, pointers 16-byte aligned; checked on the host).
// The kernel is latency-bound (one wave at B=64), so every load that does not need the slot
// (xPre, bias, the partial sums) is issued before the slot-dependent state loads, and each thread
// moves 4x the bytes of the scalar kernel per round trip.
template <typename T> struct SlVec4;  // 4 elements of T as one load/store
template <> struct SlVec4<float> {
  __device__ __forceinline__ static void ld(const float* p, float (&f)[4]) {
    const float4 v = *reinterpret_cast<const float4*>(p);
    f[0] = v.x; f[1] = v.y; f[2] = v.z; f[3] = v.w;
  }
  __device__ __forceinline__ static void st(float* p, const float (&f)[4]) {
    *reinterpret_cast<float4*>(p) = make_float4(f[0], f[1], f[2], f[3]);
  }
};
template <typename T16> struct SlVec4_16 {
  __device__ __forceinline__ static void ld(const T16* p, float (&f)[4]) {
    const uint2 v = *reinterpret_cast<const uint2*>(p);
    const float2 a = Elem<T16>::unpack(v.x), b = Elem<T16>::unpack(v.y);
    f[0] = a.x; f[1] = a.y; f[2] = b.x; f[3] = b.y;
  }
  __device__ __forceinline__ static void st(T16* p, const float (&f)[4]) {
    *reinterpret_cast<uint2*>(p) = make_uint2(Elem<T16>::pack(f[0], f[1]), Elem<T16>::pack(f[2], f[3]));
  }
};
template <> struct SlVec4<__nv_bfloat16> : SlVec4_16<__nv_bfloat16> {};
template <> struct SlVec4<__half> : SlVec4_16<__half> {};

template <typename TIn, typename TState>
__global__ void __launch_bounds__(256) slstmGateKernel4(const xlstm_slstm_step_args a, int kSplits) {
  const int H = a.heads, dh = a.headDim;
  const size_t total4 = (size_t)a.batch * H * dh / 4;
  for (size_t i4 = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i4 < total4;
       i4 += (size_t)gridDim.x * blockDim.x) {
    const size_t idx = i4 * 4;
    const int j = (int)(idx % dh);
    const int head = (int)((idx / dh) % H);
    const int b = (int)(idx / ((size_t)dh * H));
    const int s = a.slots[b];
    const float* ws = static_cast<const float*>(a.workspace);
    float raw[4][4];
#pragma unroll
    for (int g = 0; g < 4; ++g) {
      SlVec4<TIn>::ld(reinterpret_cast<const TIn*>(a.xPre) + (((size_t)b * 4 + g) * H + head) * dh + j,
                      raw[g]);
      if (a.bias) {
        float bv[4];
        SlVec4<float>::ld(a.bias + ((size_t)g * H + head) * dh + j, bv);
#pragma unroll
        for (int e = 0; e < 4; ++e) raw[g][e] += bv[e];
      }
    }
    for (int ks = 0; ks < kSplits; ++ks)
#pragma unroll
      for (int g = 0; g < 4; ++g) {
        float pv[4];
        SlVec4<float>::ld(ws + ((((size_t)ks * a.batch + b) * 4 + g) * H + head) * dh + j, pv);
#pragma unroll
        for (int e = 0; e < 4; ++e) raw[g][e] += pv[e];
      }
    TIn* y = reinterpret_cast<TIn*>(a.y) + idx;
    if (s < 0 || s >= a.state.numSlots) {
      const float q = __int_as_float(0x7fc00000);
      const float qs[4] = {q, q, q, q};
      SlVec4<TIn>::st(y, qs);
      continue;
    }
    const size_t e0 = ((size_t)s * H + head) * dh + j;
    TState* cS = reinterpret_cast<TState*>(a.state.c) + e0;
    TState* nS = reinterpret_cast<TState*>(a.state.n) + e0;
    TState* hS = reinterpret_cast<TState*>(a.state.h) + e0;
    float* mS = a.state.m + e0;
    float c[4], n[4], m[4], h[4];
    SlVec4<TState>::ld(cS, c);
    SlVec4<TState>::ld(nS, n);
    SlVec4<float>::ld(mS, m);
#pragma unroll
    for (int e = 0; e < 4; ++e) h[e] = slGateUpdate(raw[0][e], raw[1][e], raw[2][e], raw[3][e], c[e], n[e], m[e]);
    SlVec4<TState>::st(cS, c);
    SlVec4<TState>::st(nS, n);
    SlVec4<TState>::st(hS, h);
    SlVec4<float>::st(mS, m);
    SlVec4<TIn>::st(y, h);
  }
}

// 4 elements through L2 only (ld.global.cg). The PDL gate kernel loads state and inputs before
// griddepcontrol.wait and the workspace (rewritten every step) after it; L2 is the point of
// coherence, so no load can see a line an SM's L1 kept from an earlier kernel.
template <typename T> struct SlVec4Cg;
template <> struct SlVec4Cg<float> {
  __device__ __forceinline__ static void ld(const float* p, float (&f)[4]) {
    const float4 v = __ldcg(reinterpret_cast<const float4*>(p));
    f[0] = v.x; f[1] = v.y; f[2] = v.z; f[3] = v.w;
  }
};
template <typename T16> struct SlVec4Cg16 {
  __device__ __forceinline__ static void ld(const T16* p, float (&f)[4]) {
    const uint2 v = __ldcg(reinterpret_cast<const uint2*>(p));
    const float2 a = Elem<T16>::unpack(v.x), b = Elem<T16>::unpack(v.y);
    f[0] = a.x; f[1] = a.y; f[2] = b.x; f[3] = b.y;
  }
};
template <> struct SlVec4Cg<__nv_bfloat16> : SlVec4Cg16<__nv_bfloat16> {};
template <> struct SlVec4Cg<__half> : SlVec4Cg16<__half> {};

// One gating item (4 adjacent units of one request and head) of the PDL and cooperative gate phases:
// what is loaded before the product's results may be read (slot, xPre, bias, c, n, m; none of it is
// written by the product), then the partial sums, the update and the stores.
struct SlGateItem {
  size_t idx, e0;
  int b, head, j;
  bool ok;
  float raw[4][4], c[4], n[4], m[4];
};

// Everything of item i4 that does not depend on the product, through L2 (ld.global.cg).
template <typename TIn, typename TState>
__device__ __forceinline__ void slGateLoad(const xlstm_slstm_step_args& a, size_t i4, SlGateItem& it) {
  const int H = a.heads, dh = a.headDim;
  it.idx = i4 * 4;
  it.j = (int)(it.idx % dh);
  it.head = (int)((it.idx / dh) % H);
  it.b = (int)(it.idx / ((size_t)dh * H));
  const int s = __ldcg(a.slots + it.b);
  it.ok = s >= 0 && s < a.state.numSlots;
#pragma unroll
  for (int g = 0; g < 4; ++g) {
    SlVec4Cg<TIn>::ld(reinterpret_cast<const TIn*>(a.xPre) + (((size_t)it.b * 4 + g) * H + it.head) * dh + it.j,
                      it.raw[g]);
    if (a.bias) {
      float bv[4];
      SlVec4Cg<float>::ld(a.bias + ((size_t)g * H + it.head) * dh + it.j, bv);
#pragma unroll
      for (int e = 0; e < 4; ++e) it.raw[g][e] += bv[e];
    }
  }
  it.e0 = ((size_t)(it.ok ? s : 0) * H + it.head) * dh + it.j;
#pragma unroll
  for (int e = 0; e < 4; ++e) it.c[e] = it.n[e] = it.m[e] = 0.f;
  if (it.ok) {
    SlVec4Cg<TState>::ld(reinterpret_cast<const TState*>(a.state.c) + it.e0, it.c);
    SlVec4Cg<TState>::ld(reinterpret_cast<const TState*>(a.state.n) + it.e0, it.n);
    SlVec4Cg<float>::ld(a.state.m + it.e0, it.m);
  }
}

// The rest of item i4, once every partial sum is written (and every read of h by the product done).
template <typename TIn, typename TState>
__device__ __forceinline__ void slGateFinish(const xlstm_slstm_step_args& a, int kSplits, SlGateItem& it) {
  const int H = a.heads, dh = a.headDim;
  const float* ws = static_cast<const float*>(a.workspace);
  for (int ks = 0; ks < kSplits; ++ks)
#pragma unroll
    for (int g = 0; g < 4; ++g) {
      float pv[4];
      SlVec4Cg<float>::ld(ws + ((((size_t)ks * a.batch + it.b) * 4 + g) * H + it.head) * dh + it.j, pv);
#pragma unroll
      for (int e = 0; e < 4; ++e) it.raw[g][e] += pv[e];
    }
  TIn* y = reinterpret_cast<TIn*>(a.y) + it.idx;
  if (!it.ok) {
    const float q = __int_as_float(0x7fc00000);
    const float qs[4] = {q, q, q, q};
    SlVec4<TIn>::st(y, qs);
    return;
  }
  float h[4];
#pragma unroll
  for (int e = 0; e < 4; ++e)
    h[e] = slGateUpdate(it.raw[0][e], it.raw[1][e], it.raw[2][e], it.raw[3][e], it.c[e], it.n[e], it.m[e]);
  SlVec4<TState>::st(reinterpret_cast<TState*>(a.state.c) + it.e0, it.c);
  SlVec4<TState>::st(reinterpret_cast<TState*>(a.state.n) + it.e0, it.n);
  SlVec4<TState>::st(reinterpret_cast<TState*>(a.state.h) + it.e0, h);
  SlVec4<float>::st(a.state.m + it.e0, it.m);
  SlVec4<TIn>::st(y, h);
}

// The "new" variants' gate kernel: slstmGateKernel4's arithmetic, launched (with PDL) right after
// slstmRecurrentMmaKernel<..., true>. Everything that does not depend on the product (slot, xPre,
// bias, c, n, m) is loaded before griddepcontrol.wait, so those DRAM round trips overlap the
// product; after it only the partial sums (in L2) are read. No global write before the wait: the
// wait also orders this step's writes of h after every block of the product has read h.
constexpr int kSlGatePdlThreads = 64;
template <typename TIn, typename TState>
__global__ void __launch_bounds__(kSlGatePdlThreads)
    slstmGateKernelPdl(const xlstm_slstm_step_args a, int kSplits) {
  const size_t total4 = (size_t)a.batch * a.heads * a.headDim / 4;
  bool waited = false;
  for (size_t i4 = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i4 < total4;
       i4 += (size_t)gridDim.x * blockDim.x) {
    SlGateItem it;
    slGateLoad<TIn, TState>(a, i4, it);
    if (!waited) {
      slGridDepWait();    // the product kernel has finished: partial sums written, h read
      slGridDepLaunch();  // the next kernel (e.g. the next layer's product) may start its prologue
      waited = true;
    }
    slGateFinish<TIn, TState>(a, kSplits, it);
  }
}

// The "coop" variant: the whole step in one cooperative launch (every block resident at once, which
// the launch guarantees or refuses). Each block runs its share of the tensor-core product
// (slMmaProduct, as `new`), loads its first gating item's slot-, state- and input-side operands,
// waits at a grid-wide barrier (cooperative_groups grid sync: every partial sum written and every
// read of h done, with the memory ordering that needs), then gates. One launch instead of two: no
// second kernel's launch latency, ramp-up or tail, at the price of the barrier. Items are spread over
// all threads of the grid (one per thread at B=64, H4, dh512; two at B=256).
template <typename TIn, typename TState>
__global__ void __launch_bounds__(kSlMmaThreads, 2)
    slstmStepCoopKernel(const xlstm_slstm_step_args a, SlMmaPlan p) {
  extern __shared__ __align__(128) unsigned char slSm[];
  const size_t total4 = (size_t)a.batch * a.heads * a.headDim / 4;
  const size_t nThreads = (size_t)gridDim.x * gridDim.y * gridDim.z * blockDim.x;
  const size_t first =
      ((size_t)blockIdx.x + (size_t)gridDim.x * (blockIdx.y + (size_t)gridDim.y * blockIdx.z)) * blockDim.x +
      threadIdx.x;
  // The first item's xPre lines into L2 while the product runs (no register held, no dependency).
  if (first < total4) {
    const int H = a.heads, dh = a.headDim;
    const size_t idx = first * 4;
    const int j = (int)(idx % dh), head = (int)((idx / dh) % H), b = (int)(idx / ((size_t)dh * H));
#pragma unroll
    for (int g = 0; g < 4; ++g)
      slPrefetchL2(reinterpret_cast<const TIn*>(a.xPre) + (((size_t)b * 4 + g) * H + head) * dh + j);
  }
  slMmaProduct<TIn, TState, true>(a, p, slSm);
  SlGateItem it;
  if (first < total4) slGateLoad<TIn, TState>(a, first, it);
  cooperative_groups::this_grid().sync();
  if (first < total4) slGateFinish<TIn, TState>(a, p.kSplits, it);
  for (size_t i4 = first + nThreads; i4 < total4; i4 += nThreads) {
    SlGateItem more;
    slGateLoad<TIn, TState>(a, i4, more);
    slGateFinish<TIn, TState>(a, p.kSplits, more);
  }
}

// new-early (after run 8): new with the product kernel's slot loads before its PDL wait (slMmaProduct).
enum SlVariant : int { kSlVarOld = 0, kSlVarNew = 1, kSlVarNewNoPdl = 2, kSlVarCoop = 3, kSlVarNewEarly = 4, kSlVarCount = 5 };
constexpr const char* kSlVarNames[kSlVarCount] = {"old", "new", "new-nopdl", "coop", "new-early"};
// What runs without KVSIM_SLSTM_VARIANT: the measured code until the new variants have run on a GPU
// (bench/xlstm/NOTES.md records each run).
constexpr int kSlVarDefault = kSlVarNew;

// KVSIM_SLSTM_VARIANT, read once per process (function-local static: thread-safe initialization).
inline int slEnvVariant() {
  static const int v = [] {
    const char* e = std::getenv("KVSIM_SLSTM_VARIANT");
    if (e == nullptr || *e == 0) return kSlVarDefault;
    for (int i = 0; i < kSlVarCount; ++i)
      if (!std::strcmp(e, kSlVarNames[i])) return i;
    std::fprintf(stderr, "kvsim: KVSIM_SLSTM_VARIANT=%s is not old, new, new-nopdl, coop or new-early (unset it for %s); sLSTM steps refuse to run\n", e, kSlVarNames[kSlVarDefault]);
    return -1;
  }();
  return v;
}

inline bool slUseMma(int batch, int variant) {
  return variant != kSlVarOld || batch >= kSlMmaMinBatch;
}

// Partial sums per pre-activation for this shape and variant (chosen by sizes only).
inline int slKSplits(int batch, int heads, int dh, int variant) {
  return slUseMma(batch, variant) ? slMmaPlan(batch, heads, dh).kSplits
                                  : slPlan(batch, heads, dh).kSplits;
}

// Whether every pointer the 4-units-per-thread gate code reads or writes 16 bytes at a time (xPre, bias,
// y, the workspace, the state) is 16-byte aligned; headDim % 8 == 0 then keeps every 4-unit group aligned.
inline bool slGateAligned(const xlstm_slstm_step_args& a) {
  const uintptr_t bits = (uintptr_t)a.xPre | (uintptr_t)a.bias | (uintptr_t)a.y | (uintptr_t)a.workspace |
                         (uintptr_t)a.state.h | (uintptr_t)a.state.c | (uintptr_t)a.state.n | (uintptr_t)a.state.m;
  return bits % 16 == 0;
}

// cudaFuncSetAttribute once per kernel and device instead of on every step (a driver call on the
// host path of a step that is only a few microseconds on the GPU). Devices past 63 set it each time.
template <typename Kernel>
cudaError_t slSetSmemOnce(Kernel k, int smem, std::atomic<uint64_t>& done) {
  int dev = 0;
  cudaError_t e = cudaGetDevice(&dev);
  if (e != cudaSuccess) return e;
  const uint64_t bit = dev >= 0 && dev < 64 ? (uint64_t)1 << dev : 0;
  if (bit && (done.load(std::memory_order_relaxed) & bit)) return cudaSuccess;
  e = cudaFuncSetAttribute(k, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
  if (e == cudaSuccess && bit) done.fetch_or(bit, std::memory_order_relaxed);
  return e;
}

// Launch, with programmatic stream serialization when pdl (the kernel then overlaps the previous
// kernel in the stream up to its griddepcontrol.wait). No fallback to a plain launch: a variant
// named for PDL must run with it (sm_90 and CUDA 12.3+ support it; an error reaches the caller).
template <typename Kernel, typename... Args>
cudaError_t slLaunch(bool pdl, Kernel k, dim3 grid, dim3 block, size_t smem, cudaStream_t stream,
                     Args... args) {
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr[0].val.programmaticStreamSerializationAllowed = 1;
  return kvsim_xlstm_host::launchEx(k, grid, block, smem, stream, attr, pdl ? 1 : 0, args...);
}

// The "new" variants: tensor-core product with L2 prefetch, then the gate kernel; pdl: both
// launched with programmatic dependent launch.
template <typename TIn, typename TState>
int launchSlstmNew(const xlstm_slstm_step_args& a, cudaStream_t stream, bool pdl, bool earlySlots = false) {
  static std::atomic<uint64_t> smemSet{0}, smemSetEarly{0};
  const SlMmaPlan p = slMmaPlan(a.batch, a.heads, a.headDim);
  constexpr int smem = SlMmaTraits<TIn, TState>::kSmemBytes;
  auto k1 = earlySlots ? slstmRecurrentMmaKernel<TIn, TState, true, true> : slstmRecurrentMmaKernel<TIn, TState, true>;
  cudaError_t e = slSetSmemOnce(k1, smem, earlySlots ? smemSetEarly : smemSet);
  if (e == cudaSuccess)
    e = slLaunch(pdl, k1, dim3(p.groups, 4 * p.colTiles, a.heads * p.kSplits), dim3(kSlMmaThreads),
                 smem, stream, a, p);
  if (e == cudaSuccess) {
    const size_t total = (size_t)a.batch * a.heads * a.headDim;
    const bool gateAligned = slGateAligned(a);
    if (gateAligned) {
      const int blocks = (int)std::min<size_t>((total / 4 + kSlGatePdlThreads - 1) / kSlGatePdlThreads, 16384);
      e = slLaunch(pdl, slstmGateKernelPdl<TIn, TState>, dim3(blocks), dim3(kSlGatePdlThreads), 0,
                   stream, a, p.kSplits);
    } else {  // rare (callers' buffers are cudaMalloc'd): the scalar kernel, plain launch
      const int blocks = (int)std::min<size_t>((total + 255) / 256, 4096);
      slstmGateKernel<TIn, TState><<<blocks, 256, 0, stream>>>(a, p.kSplits);
      e = cudaGetLastError();
    }
  }
  if (e != cudaSuccess) {
    kvsim_xlstm_host::setLastCudaError(e);
    return XLSTM_ERR_CUDA;
  }
  return XLSTM_OK;
}

// Whether coop launches cooperatively for these arguments (1) or runs new (0): the grid must be
// resident at once (blocks per SM by the occupancy calculator x SMs, asked once per device) and every
// pointer the gating reads 16 bytes at a time 16-byte aligned (new's vector gate kernel falls back to
// the scalar one otherwise). cudaSuccess or the error of a failed query in e.
template <typename TIn, typename TState>
int slCoopCooperative(const xlstm_slstm_step_args& a, cudaError_t& e) {
  static std::atomic<uint64_t> smemSet{0};
  static std::atomic<int> residentBlocks[64] = {};  // per device; 0: not asked yet
  constexpr int smem = SlMmaTraits<TIn, TState>::kSmemBytes;
  auto k = slstmStepCoopKernel<TIn, TState>;
  int dev = 0;
  e = cudaGetDevice(&dev);
  if (e == cudaSuccess) e = slSetSmemOnce(k, smem, smemSet);
  int resident = dev >= 0 && dev < 64 ? residentBlocks[dev].load(std::memory_order_relaxed) : 0;
  if (e == cudaSuccess && resident == 0) {
    int perSm = 0, sms = 0;
    e = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perSm, k, kSlMmaThreads, smem);
    if (e == cudaSuccess) e = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev);
    resident = perSm * sms;
    if (e == cudaSuccess && dev >= 0 && dev < 64) residentBlocks[dev].store(resident, std::memory_order_relaxed);
  }
  if (e != cudaSuccess) return 0;
  const SlMmaPlan p = slMmaPlan(a.batch, a.heads, a.headDim);
  const bool gateAligned = slGateAligned(a);
  const long blocks = (long)p.groups * 4 * p.colTiles * a.heads * p.kSplits;
  return blocks <= resident && gateAligned ? 1 : 0;
}

// The "coop" variant: one cooperative launch of slstmStepCoopKernel where slCoopCooperative says so;
// otherwise (the grid would not be resident at once, or a pointer is unaligned) it runs `new` (two
// launches with PDL). At H4 dh512 the grid fits up to B=256 on a 132-SM H100/H200 (256 blocks, 2 per SM).
template <typename TIn, typename TState>
int launchSlstmCoop(const xlstm_slstm_step_args& a, cudaStream_t stream) {
  cudaError_t e = cudaSuccess;
  const int coop = slCoopCooperative<TIn, TState>(a, e);
  if (e != cudaSuccess) {
    kvsim_xlstm_host::setLastCudaError(e);
    return XLSTM_ERR_CUDA;
  }
  if (!coop) return launchSlstmNew<TIn, TState>(a, stream, true);
  const SlMmaPlan p = slMmaPlan(a.batch, a.heads, a.headDim);
  constexpr int smem = SlMmaTraits<TIn, TState>::kSmemBytes;
  auto k = slstmStepCoopKernel<TIn, TState>;
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeCooperative;
  attr[0].val.cooperative = 1;
  e = kvsim_xlstm_host::launchEx(k, dim3(p.groups, 4 * p.colTiles, a.heads * p.kSplits), dim3(kSlMmaThreads),
                                 smem, stream, attr, 1, a, p);
  // Fewer SMs usable than the device has (MPS with a thread percentage, green contexts): the driver
  // refuses the launch (nothing ran); new runs instead.
  if (e == cudaErrorCooperativeLaunchTooLarge) {
    (void)cudaGetLastError();
    return launchSlstmNew<TIn, TState>(a, stream, true);
  }
  if (e != cudaSuccess) {
    kvsim_xlstm_host::setLastCudaError(e);
    return XLSTM_ERR_CUDA;
  }
  return XLSTM_OK;
}

template <typename TIn, typename TState>
int launchSlstm(const xlstm_slstm_step_args& a, cudaStream_t stream) {
  cudaError_t e = cudaSuccess;
  int kSplits = 0;
  if (slUseMma(a.batch, kSlVarOld)) {
    const SlMmaPlan p = slMmaPlan(a.batch, a.heads, a.headDim);
    constexpr int smem = SlMmaTraits<TIn, TState>::kSmemBytes;
    auto k1 = slstmRecurrentMmaKernel<TIn, TState, false>;
    e = cudaFuncSetAttribute(k1, cudaFuncAttributeMaxDynamicSharedMemorySize, smem);
    if (e == cudaSuccess) {
      k1<<<dim3(p.groups, 4 * p.colTiles, a.heads * p.kSplits), kSlMmaThreads, smem, stream>>>(a, p);
      e = cudaGetLastError();
    }
    kSplits = p.kSplits;
  } else {
    const SlPlan p = slPlan(a.batch, a.heads, a.headDim);
    const size_t smem = (((size_t)kSlGroup * p.kLen + 3) / 4 * 4 + (size_t)kSlWarps * kSlGroup * kSlCols) * 4;
    auto k1 = slstmRecurrentKernel<TIn, TState>;
    e = cudaFuncSetAttribute(k1, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
    if (e == cudaSuccess) {
      k1<<<dim3(4 * p.colTiles, p.kSplits, a.heads * p.groups), kSlThreads, smem, stream>>>(a, p);
      e = cudaGetLastError();
    }
    kSplits = p.kSplits;
  }
  if (e == cudaSuccess) {
    const size_t total = (size_t)a.batch * a.heads * a.headDim;
    const bool gateAligned = slGateAligned(a);
    if (gateAligned) {  // headDim % 8 == 0 keeps every 4-unit group 16/8-byte aligned
      const int blocks = (int)std::min<size_t>((total / 4 + 255) / 256, 4096);
      slstmGateKernel4<TIn, TState><<<blocks, 256, 0, stream>>>(a, kSplits);
    } else {
      const int blocks = (int)std::min<size_t>((total + 255) / 256, 4096);
      slstmGateKernel<TIn, TState><<<blocks, 256, 0, stream>>>(a, kSplits);
    }
    e = cudaGetLastError();
  }
  if (e != cudaSuccess) {
    kvsim_xlstm_host::setLastCudaError(e);
    return XLSTM_ERR_CUDA;
  }
  return XLSTM_OK;
}

}  // namespace kvsim_xlstm

using namespace kvsim_xlstm;

extern "C" int64_t xlstm_slstm_workspace_bytes(int32_t batch, int32_t heads, int32_t headDim) {
  if (batch < 1 || heads < 1 || headDim < 1) return 0;
  int kSplits = 0;  // the most any variant writes, so one workspace serves every variant
  for (int v = 0; v < kSlVarCount; ++v) kSplits = std::max(kSplits, slKSplits(batch, heads, headDim, v));
  return (int64_t)kSplits * batch * 4 * heads * headDim * 4;
}

// Internal (bench and checks; not in xlstm.h): one step with an explicit variant, the variant
// count, a variant's name, and the variant xlstm_slstm_step runs (KVSIM_SLSTM_VARIANT).
extern "C" int xlstm_slstm_variant_count(void) { return kSlVarCount; }
extern "C" const char* xlstm_slstm_variant_name(int variant) {
  return variant >= 0 && variant < kSlVarCount ? kSlVarNames[variant] : "?";
}
extern "C" int xlstm_slstm_default_variant(void) { return slEnvVariant(); }
extern "C" const char* xlstm_slstm_step_variant_name(void) {
  const int v = slEnvVariant();  // -1 or a valid index
  return v < 0 ? nullptr : kSlVarNames[v];
}

extern "C" int xlstm_slstm_step_variant(const xlstm_slstm_step_args* a, void* stream, int variant) {
  using namespace kvsim_xlstm_host;
  if (a == nullptr || variant < 0 || variant >= kSlVarCount) return XLSTM_ERR_INVALID_ARGUMENT;
  if (a->batch < 1 || a->heads < 1 || a->headDim < 1 || a->state.numSlots < 1)
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (!a->xPre || !a->R || !a->slots || !a->y || !a->workspace || !a->state.h || !a->state.c ||
      !a->state.n || !a->state.m)
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (!isInputDtype(a->inputDtype) || !isStateDtype(a->state.dtype))
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (a->headDim % 8 != 0) return XLSTM_ERR_UNSUPPORTED_SHAPE;
  // Both recurrent kernels read R 16 bytes at a time, the tensor-core one also h, and it writes the
  // workspace in 8-byte pairs: a misaligned caller gets an error instead of a misaligned-address fault
  // (cudaMalloc'd buffers always qualify).
  if (((uintptr_t)a->R | (uintptr_t)a->state.h | (uintptr_t)a->workspace) % 16 != 0) return XLSTM_ERR_INVALID_ARGUMENT;
  if (slUseMma(a->batch, variant)) {
    const SlMmaPlan p = slMmaPlan(a->batch, a->heads, a->headDim);
    if ((long)a->heads * p.kSplits > 65535 || 4L * p.colTiles > 65535)
      return XLSTM_ERR_UNSUPPORTED_SHAPE;
  } else {
    const SlPlan p = slPlan(a->batch, a->heads, a->headDim);
    if ((long)a->heads * p.groups > 65535 || p.kLen > 4096) return XLSTM_ERR_UNSUPPORTED_SHAPE;
  }
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  const bool bf = a->inputDtype == XLSTM_BF16;
  if (variant == kSlVarCoop) {
    if (a->state.dtype == XLSTM_F32)
      return bf ? launchSlstmCoop<__nv_bfloat16, float>(*a, s) : launchSlstmCoop<__half, float>(*a, s);
    return bf ? launchSlstmCoop<__nv_bfloat16, __nv_bfloat16>(*a, s) : launchSlstmCoop<__half, __nv_bfloat16>(*a, s);
  }
  if (variant != kSlVarOld) {
    const bool pdl = variant == kSlVarNew || variant == kSlVarNewEarly, early = variant == kSlVarNewEarly;
    if (a->state.dtype == XLSTM_F32)
      return bf ? launchSlstmNew<__nv_bfloat16, float>(*a, s, pdl, early) : launchSlstmNew<__half, float>(*a, s, pdl, early);
    return bf ? launchSlstmNew<__nv_bfloat16, __nv_bfloat16>(*a, s, pdl, early)
              : launchSlstmNew<__half, __nv_bfloat16>(*a, s, pdl, early);
  }
  if (a->state.dtype == XLSTM_F32)
    return bf ? launchSlstm<__nv_bfloat16, float>(*a, s) : launchSlstm<__half, float>(*a, s);
  return bf ? launchSlstm<__nv_bfloat16, __nv_bfloat16>(*a, s)
            : launchSlstm<__half, __nv_bfloat16>(*a, s);
}

// Internal (bench and checks): 1 when the coop variant launches cooperatively for these arguments, 0
// when it runs new instead (grid not resident at once, unaligned pointer), XLSTM_ERR_* on a bad argument
// or a failed device query. Launches nothing.
extern "C" int xlstm_slstm_coop_cooperative(const xlstm_slstm_step_args* a) {
  using namespace kvsim_xlstm_host;
  if (a == nullptr || a->batch < 1 || a->heads < 1 || a->headDim < 1) return XLSTM_ERR_INVALID_ARGUMENT;
  if (!isInputDtype(a->inputDtype) || !isStateDtype(a->state.dtype)) return XLSTM_ERR_INVALID_ARGUMENT;
  cudaError_t e = cudaSuccess;
  const bool bf = a->inputDtype == XLSTM_BF16;
  int r;
  if (a->state.dtype == XLSTM_F32)
    r = bf ? slCoopCooperative<__nv_bfloat16, float>(*a, e) : slCoopCooperative<__half, float>(*a, e);
  else
    r = bf ? slCoopCooperative<__nv_bfloat16, __nv_bfloat16>(*a, e) : slCoopCooperative<__half, __nv_bfloat16>(*a, e);
  if (e != cudaSuccess) {
    kvsim_xlstm_host::setLastCudaError(e);
    return XLSTM_ERR_CUDA;
  }
  return r;
}

extern "C" int xlstm_slstm_step(const xlstm_slstm_step_args* a, void* stream) {
  return xlstm_slstm_step_variant(a, stream, slEnvVariant());
}
