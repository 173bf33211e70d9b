// sLSTM recurrent step: scalar memory per unit, block-diagonal recurrent weights per head,
// exponential input gate with the log-space stabilizer m (as in xLSTM's sLSTM cell):
//   raw_g = xPre_g + bias_g + sum_k h_{t-1,k} R_g[k][j]       for g in i, f, z, o
//   m' = max(i, m + logsigmoid(f));  i' = exp(i - m');  f' = exp(m + logsigmoid(f) - m')
//   c' = f' c + i' tanh(z);  n' = f' n + i';  h' = sigmoid(o) c' / n'
// (xLSTM's reference sets m' = i when n == 0; that only changes the stored scale of c and n,
// not h, so the plain max is used.)
//
// One block per (tile of 128 output units, head, group of 8 requests): the weights of a tile
// are read once per group, and 4 warps-groups split the k sum to keep loads in flight. Tiles of
// one (head, group) form a cluster: every tile reads all of h_{t-1}, so h is overwritten only
// after the cluster barrier.

#include "xlstmCommon.cuh"

namespace kvsim_xlstm {

constexpr int kSlUnits = 128;    // output units per block
constexpr int kSlKSplit = 4;     // k-range splits (thread groups) per block
constexpr int kSlThreads = kSlUnits * kSlKSplit;
constexpr int kSlGroup = 8;      // requests per block
constexpr int kSlMaxTiles = 8;

template <typename TIn, typename TState>
__global__ void __launch_bounds__(kSlThreads)
    slstmStepKernel(const xlstm_slstm_step_args a) {
  extern __shared__ float sm[];
  const int tile = blockIdx.x, head = blockIdx.y, group = blockIdx.z;
  const int H = a.heads, dh = a.headDim;
  const int tid = threadIdx.x, u = tid % kSlUnits, ks = tid / kSlUnits;
  const int j = tile * kSlUnits + u;
  float* hs = sm;                                   // [kSlGroup][dh]
  float* red = sm + kSlGroup * dh;                  // [kSlKSplit-1][4][kSlGroup][kSlUnits]
  __shared__ int slots[kSlGroup];

  if (tid < kSlGroup) {
    const int b = group * kSlGroup + tid;
    int s = -1;
    if (b < a.batch) {
      s = a.slots[b];
      if (s < 0 || s >= a.state.numSlots) s = -2;  // invalid: NaN output, state untouched
    }
    slots[tid] = s;
  }
  __syncthreads();
  for (int idx = tid; idx < kSlGroup * dh; idx += kSlThreads) {
    const int bi = idx / dh, k = idx % dh;
    const int s = slots[bi];
    hs[idx] = s >= 0 ? toF(reinterpret_cast<const TState*>(a.state.h)[((size_t)s * H + head) * dh + k])
                     : 0.0f;
  }
  clusterArrive();  // this block has read h_{t-1}
  __syncthreads();

  float acc[4][kSlGroup];
#pragma unroll
  for (int g = 0; g < 4; ++g)
#pragma unroll
    for (int bi = 0; bi < kSlGroup; ++bi) acc[g][bi] = 0.0f;

  if (j < dh) {
    const TIn* R = reinterpret_cast<const TIn*>(a.R) + (size_t)head * 4 * dh * dh + j;
    const int kPer = (dh + kSlKSplit - 1) / kSlKSplit;
    const int kBeg = ks * kPer, kEnd = min(dh, kBeg + kPer);
#pragma unroll 4
    for (int k = kBeg; k < kEnd; ++k) {
      float w[4];
#pragma unroll
      for (int g = 0; g < 4; ++g) w[g] = toF(R[((size_t)g * dh + k) * dh]);
#pragma unroll
      for (int bi = 0; bi < kSlGroup; ++bi) {
        const float hv = hs[bi * dh + k];
#pragma unroll
        for (int g = 0; g < 4; ++g) acc[g][bi] = fmaf(w[g], hv, acc[g][bi]);
      }
    }
  }
  if (ks > 0) {
#pragma unroll
    for (int g = 0; g < 4; ++g)
#pragma unroll
      for (int bi = 0; bi < kSlGroup; ++bi)
        red[(((ks - 1) * 4 + g) * kSlGroup + bi) * kSlUnits + u] = acc[g][bi];
  }
  __syncthreads();

  float hNew[kSlGroup];
  if (ks == 0) {
#pragma unroll
    for (int bi = 0; bi < kSlGroup; ++bi) {
      hNew[bi] = 0.0f;
      const int s = slots[bi];
      const int b = group * kSlGroup + bi;
      if (s == -1 || j >= dh) continue;
      TIn* y = reinterpret_cast<TIn*>(a.y) + ((size_t)b * H + head) * dh + j;
      if (s < 0) {
        *y = fromF<TIn>(__int_as_float(0x7fc00000));
        continue;
      }
      float raw[4];
#pragma unroll
      for (int g = 0; g < 4; ++g) {
        float v = acc[g][bi];
#pragma unroll
        for (int r = 0; r < kSlKSplit - 1; ++r) v += red[((r * 4 + g) * kSlGroup + bi) * kSlUnits + u];
        v += toF(reinterpret_cast<const TIn*>(a.xPre)[(((size_t)b * 4 + g) * H + head) * dh + j]);
        if (a.bias) v += a.bias[((size_t)g * H + head) * dh + j];
        raw[g] = v;
      }
      const size_t e = ((size_t)s * H + head) * dh + j;
      TState* cS = reinterpret_cast<TState*>(a.state.c);
      TState* nS = reinterpret_cast<TState*>(a.state.n);
      const float mOld = a.state.m[e];
      const float logFm = mOld + logSigmoid(raw[1]);
      const float mNew = fmaxf(raw[0], logFm);
      const float iAct = expf(raw[0] - mNew), fAct = expf(logFm - mNew);
      const float cNew = fAct * toF(cS[e]) + iAct * tanhf(raw[2]);
      const float nNew = fAct * toF(nS[e]) + iAct;
      const float oAct = 1.0f / (1.0f + expf(-raw[3]));
      const float h = oAct * cNew / nNew;
      cS[e] = fromF<TState>(cNew);
      nS[e] = fromF<TState>(nNew);
      a.state.m[e] = mNew;
      *y = fromF<TIn>(h);
      hNew[bi] = h;
    }
  }
  clusterWait();  // every tile has read h_{t-1}
  if (ks == 0 && j < dh) {
#pragma unroll
    for (int bi = 0; bi < kSlGroup; ++bi) {
      const int s = slots[bi];
      if (s >= 0)
        reinterpret_cast<TState*>(a.state.h)[((size_t)s * H + head) * dh + j] =
            fromF<TState>(hNew[bi]);
    }
  }
}

template <typename TIn, typename TState>
int launchSlstm(const xlstm_slstm_step_args& a, cudaStream_t stream) {
  const int tiles = (a.headDim + kSlUnits - 1) / kSlUnits;
  const int groups = (a.batch + kSlGroup - 1) / kSlGroup;
  const size_t smem =
      ((size_t)kSlGroup * a.headDim + (size_t)(kSlKSplit - 1) * 4 * kSlGroup * kSlUnits) * 4;
  auto kernel = slstmStepKernel<TIn, TState>;
  cudaError_t e =
      cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
  if (e != cudaSuccess) {
    kvsim_xlstm_host::setLastCudaError(e);
    return XLSTM_ERR_CUDA;
  }
  return kvsim_xlstm_host::launchWithCluster(kernel, dim3(tiles, a.heads, groups),
                                             dim3(kSlThreads), smem, tiles, stream, a);
}

}  // namespace kvsim_xlstm

using namespace kvsim_xlstm;

extern "C" int xlstm_slstm_step(const xlstm_slstm_step_args* a, void* stream) {
  using namespace kvsim_xlstm_host;
  if (a == nullptr) return XLSTM_ERR_INVALID_ARGUMENT;
  if (a->batch < 1 || a->heads < 1 || a->headDim < 1 || a->state.numSlots < 1)
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (!a->xPre || !a->R || !a->slots || !a->y || !a->state.h || !a->state.c || !a->state.n ||
      !a->state.m)
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (!isInputDtype(a->inputDtype) || !isStateDtype(a->state.dtype))
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (a->headDim > kSlMaxTiles * kSlUnits || a->heads > 65535 ||
      (a->batch + kSlGroup - 1) / kSlGroup > 65535)
    return XLSTM_ERR_UNSUPPORTED_SHAPE;
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  const bool bf = a->inputDtype == XLSTM_BF16;
  if (a->state.dtype == XLSTM_F32)
    return bf ? launchSlstm<__nv_bfloat16, float>(*a, s) : launchSlstm<__half, float>(*a, s);
  return bf ? launchSlstm<__nv_bfloat16, __nv_bfloat16>(*a, s)
            : launchSlstm<__half, __nv_bfloat16>(*a, s);
}
