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

#include <algorithm>

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

template <typename TIn, typename TState>
__global__ void slstmGateKernel(const xlstm_slstm_step_args a, SlPlan p) {
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
      for (int ks = 0; ks < p.kSplits; ++ks)
        v += ws[((((size_t)ks * a.batch + b) * 4 + g) * H + head) * dh + j];
      raw[g] = v;
    }
    const size_t e = ((size_t)s * H + head) * dh + j;
    TState* cS = reinterpret_cast<TState*>(a.state.c);
    TState* nS = reinterpret_cast<TState*>(a.state.n);
    TState* hS = reinterpret_cast<TState*>(a.state.h);
    const float mOld = a.state.m[e];
    const float logFm = mOld + logSigmoid(raw[1]);
    const float mNew = fmaxf(raw[0], logFm);
    const float iAct = expf(raw[0] - mNew), fAct = expf(logFm - mNew);
    const float cNew = fAct * toF(cS[e]) + iAct * tanhf(raw[2]);
    const float nNew = fAct * toF(nS[e]) + iAct;
    const float h = (1.0f / (1.0f + expf(-raw[3]))) * cNew / nNew;
    cS[e] = fromF<TState>(cNew);
    nS[e] = fromF<TState>(nNew);
    hS[e] = fromF<TState>(h);
    a.state.m[e] = mNew;
    *y = fromF<TIn>(h);
  }
}

template <typename TIn, typename TState>
int launchSlstm(const xlstm_slstm_step_args& a, cudaStream_t stream) {
  const SlPlan p = slPlan(a.batch, a.heads, a.headDim);
  const size_t smem = (((size_t)kSlGroup * p.kLen + 3) / 4 * 4 + (size_t)kSlWarps * kSlGroup * kSlCols) * 4;
  auto k1 = slstmRecurrentKernel<TIn, TState>;
  cudaError_t e = cudaFuncSetAttribute(k1, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
  if (e == cudaSuccess) {
    k1<<<dim3(4 * p.colTiles, p.kSplits, a.heads * p.groups), kSlThreads, smem, stream>>>(a, p);
    e = cudaGetLastError();
  }
  if (e == cudaSuccess) {
    const size_t total = (size_t)a.batch * a.heads * a.headDim;
    const int blocks = (int)std::min<size_t>((total + 255) / 256, 4096);
    slstmGateKernel<TIn, TState><<<blocks, 256, 0, stream>>>(a, p);
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
  const SlPlan p = slPlan(batch, heads, headDim);
  return (int64_t)p.kSplits * batch * 4 * heads * headDim * 4;
}

extern "C" int xlstm_slstm_step(const xlstm_slstm_step_args* a, void* stream) {
  using namespace kvsim_xlstm_host;
  if (a == nullptr) return XLSTM_ERR_INVALID_ARGUMENT;
  if (a->batch < 1 || a->heads < 1 || a->headDim < 1 || a->state.numSlots < 1)
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (!a->xPre || !a->R || !a->slots || !a->y || !a->workspace || !a->state.h || !a->state.c ||
      !a->state.n || !a->state.m)
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (!isInputDtype(a->inputDtype) || !isStateDtype(a->state.dtype))
    return XLSTM_ERR_INVALID_ARGUMENT;
  const SlPlan p = slPlan(a->batch, a->heads, a->headDim);
  if (a->headDim % 8 != 0 || (long)a->heads * p.groups > 65535 || p.kLen > 4096)
    return XLSTM_ERR_UNSUPPORTED_SHAPE;
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  const bool bf = a->inputDtype == XLSTM_BF16;
  if (a->state.dtype == XLSTM_F32)
    return bf ? launchSlstm<__nv_bfloat16, float>(*a, s) : launchSlstm<__half, float>(*a, s);
  return bf ? launchSlstm<__nv_bfloat16, __nv_bfloat16>(*a, s)
            : launchSlstm<__half, __nv_bfloat16>(*a, s);
}
