// Fused mLSTM recurrent step (decode): reads and writes each request's state once.
//
// Work split: one thread block per (request, head, tile of state columns); the tiles of one
// (request, head) form a thread-block cluster. C's columns are independent (h_j sums over rows
// only), so a tile needs no data from its neighbours; only n and m are shared, and the cluster
// barrier lets tile 0 overwrite them after every tile has read the old values.
// Within a tile, 16 threads cover a row with 16-byte accesses (coalesced 256 B per row), 16
// rows per pass; each thread issues `Unroll` loads before using any, to keep HBM busy.

#include "xlstmCommon.cuh"
#include "xlstmInternal.h"
#include "xlstmVec.cuh"

namespace kvsim_xlstm {

constexpr int kStepThreads = 256;
constexpr int kThreadsPerRow = 16;
constexpr int kRowsPerPass = kStepThreads / kThreadsPerRow;
constexpr int kMaxClusterTiles = 8;
constexpr int kMaxStepDqk = 2048;

template <typename TState> __host__ __device__ constexpr int stepCols() {
  return kThreadsPerRow * Vec16<TState>::N;
}

template <typename TIn, typename TState, bool Streaming, int Unroll>
__global__ void __launch_bounds__(kStepThreads)
    mlstmStepKernel(const xlstm_mlstm_step_args a) {
  using V = Vec16<TState>;
  constexpr int VEC = V::N;
  constexpr int COLS = stepCols<TState>();
  extern __shared__ float smem[];
  __shared__ float warpPart[kStepThreads / 32];

  const int tile = blockIdx.x, head = blockIdx.y, b = blockIdx.z;
  const int H = a.heads, dqk = a.dqk, dv = a.dv;
  const int tid = threadIdx.x;
  const size_t bh = (size_t)b * H + head;
  TIn* hOut = reinterpret_cast<TIn*>(a.h) + bh * dv;
  const int slot = a.slots[b];
  if (slot < 0 || slot >= a.state.numSlots) {
    // Every tile of the cluster sees the same slot, so all leave before any barrier.
    for (int j = tile * COLS + tid; j < min(dv, (tile + 1) * COLS); j += kStepThreads)
      hOut[j] = fromF<TIn>(__int_as_float(0x7fc00000));
    return;
  }

  float* qs = smem;            // scaled q, fp32
  float* ks = qs + dqk;        // i' * k, fp32
  float* nNew = ks + dqk;      // new n (written by tile 0 only)
  float* red = nNew + dqk;     // [kRowsPerPass][COLS] partial h

  const size_t sh = (size_t)slot * H + head;
  const float mOld = a.state.m[sh];
  const float iPre = softCap(a.igatePre[bh], a.gateSoftCap);
  const float logF = logSigmoid(softCap(a.fgatePre[bh], a.gateSoftCap));
  const float mNew = fmaxf(logF + mOld, iPre);
  const float fAct = expf(logF + mOld - mNew);
  const float iAct = expf(iPre - mNew);
  const float scale = rsqrtf((float)dqk);

  const TIn* q = reinterpret_cast<const TIn*>(a.q) + bh * dqk;
  const TIn* k = reinterpret_cast<const TIn*>(a.k) + bh * dqk;
  const TState* nOld = reinterpret_cast<const TState*>(a.state.n) + sh * dqk;
  float qn = 0.0f;
  for (int i = tid; i < dqk; i += kStepThreads) {
    const float qi = toF(q[i]) * scale;
    const float ki = iAct * toF(k[i]);
    const float ni = fAct * toF(nOld[i]) + ki;
    qs[i] = qi;
    ks[i] = ki;
    nNew[i] = ni;
    qn += qi * ni;
  }
  clusterArrive();  // this block has read n and m
  qn = warpSum(qn);
  if ((tid & 31) == 0) warpPart[tid >> 5] = qn;

  const int tx = tid % kThreadsPerRow, ty = tid / kThreadsPerRow;
  const int col = tile * COLS + tx * VEC;
  const bool active = col < dv;  // dv % VEC == 0: a vector is wholly in or out
  float vv[VEC], hacc[VEC];
  const TIn* v = reinterpret_cast<const TIn*>(a.v) + bh * dv;
#pragma unroll
  for (int e = 0; e < VEC; ++e) {
    vv[e] = active ? toF(v[col + e]) : 0.0f;
    hacc[e] = 0.0f;
  }
  __syncthreads();  // qs, ks, warpPart ready

  if (active) {
    TState* Cb = reinterpret_cast<TState*>(a.state.C) + sh * (size_t)dqk * dv + col;
    for (int r0 = ty; r0 < dqk; r0 += kRowsPerPass * Unroll) {
      uint4 buf[Unroll];
#pragma unroll
      for (int u = 0; u < Unroll; ++u) {
        const int r = r0 + u * kRowsPerPass;
        if (r < dqk) buf[u] = ld16<Streaming>(Cb + (size_t)r * dv);
      }
#pragma unroll
      for (int u = 0; u < Unroll; ++u) {
        const int r = r0 + u * kRowsPerPass;
        if (r < dqk) {
          float c[VEC];
          V::unpack(buf[u], c);
          const float kr = ks[r], qr = qs[r];
#pragma unroll
          for (int e = 0; e < VEC; ++e) {
            c[e] = fmaf(fAct, c[e], kr * vv[e]);
            hacc[e] = fmaf(qr, c[e], hacc[e]);
          }
          st16<Streaming>(Cb + (size_t)r * dv, V::pack(c));
        }
      }
    }
  }

#pragma unroll
  for (int e = 0; e < VEC; ++e) red[ty * COLS + tx * VEC + e] = hacc[e];
  __syncthreads();
  float qnAll = 0.0f;
#pragma unroll
  for (int w = 0; w < kStepThreads / 32; ++w) qnAll += warpPart[w];
  const float denom = fmaxf(fabsf(qnAll), expf(-mNew)) + kNormEps;
  for (int c = tid; c < COLS; c += kStepThreads) {
    const int j = tile * COLS + c;
    if (j < dv) {
      float s = 0.0f;
#pragma unroll
      for (int r = 0; r < kRowsPerPass; ++r) s += red[r * COLS + c];
      hOut[j] = fromF<TIn>(s / denom);
    }
  }

  clusterWait();  // every tile has read the old n and m
  if (tile == 0) {
    TState* nOut = reinterpret_cast<TState*>(a.state.n) + sh * dqk;
    for (int i = tid; i < dqk; i += kStepThreads) nOut[i] = fromF<TState>(nNew[i]);
    if (tid == 0) a.state.m[sh] = mNew;
  }
}

template <typename TIn, typename TState, bool Streaming, int Unroll>
int launchStep(const xlstm_mlstm_step_args& a, cudaStream_t stream) {
  constexpr int COLS = stepCols<TState>();
  const int tiles = (a.dv + COLS - 1) / COLS;
  if (tiles > kMaxClusterTiles) return XLSTM_ERR_UNSUPPORTED_SHAPE;
  const size_t smem = (3 * (size_t)a.dqk + kRowsPerPass * COLS) * sizeof(float);
  return kvsim_xlstm_host::launchWithCluster(mlstmStepKernel<TIn, TState, Streaming, Unroll>,
                                             dim3(tiles, a.heads, a.batch), dim3(kStepThreads),
                                             smem, tiles, stream, a);
}

template <typename TIn, typename TState>
int dispatchVariant(const xlstm_mlstm_step_args& a, cudaStream_t s, int streaming, int unroll) {
  if (streaming) {
    if (unroll == 8) return launchStep<TIn, TState, true, 8>(a, s);
    if (unroll == 4) return launchStep<TIn, TState, true, 4>(a, s);
    if (unroll == 1) return launchStep<TIn, TState, true, 1>(a, s);
  } else {
    if (unroll == 8) return launchStep<TIn, TState, false, 8>(a, s);
    if (unroll == 4) return launchStep<TIn, TState, false, 4>(a, s);
    if (unroll == 1) return launchStep<TIn, TState, false, 1>(a, s);
  }
  return XLSTM_ERR_INVALID_ARGUMENT;
}

}  // namespace kvsim_xlstm

using namespace kvsim_xlstm;

extern "C" const int xlstm_mlstm_step_default_streaming = 1;
extern "C" const int xlstm_mlstm_step_default_unroll = 8;

extern "C" int xlstm_mlstm_step_variant(const xlstm_mlstm_step_args* a, void* stream,
                                        int streaming, int unroll) {
  using namespace kvsim_xlstm_host;
  if (a == nullptr) return XLSTM_ERR_INVALID_ARGUMENT;
  if (a->batch < 1 || a->heads < 1 || a->dqk < 1 || a->dv < 1 || a->state.numSlots < 1)
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (!a->q || !a->k || !a->v || !a->igatePre || !a->fgatePre || !a->slots || !a->h ||
      !a->state.C || !a->state.n || !a->state.m)
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (!isInputDtype(a->inputDtype) || !isStateDtype(a->state.dtype))
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (a->dv % 8 != 0 || a->dqk > kMaxStepDqk || a->heads > 65535 || a->batch > 65535)
    return XLSTM_ERR_UNSUPPORTED_SHAPE;
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  const bool bf = a->inputDtype == XLSTM_BF16;
  if (a->state.dtype == XLSTM_F32)
    return bf ? dispatchVariant<__nv_bfloat16, float>(*a, s, streaming, unroll)
              : dispatchVariant<__half, float>(*a, s, streaming, unroll);
  return bf ? dispatchVariant<__nv_bfloat16, __nv_bfloat16>(*a, s, streaming, unroll)
            : dispatchVariant<__half, __nv_bfloat16>(*a, s, streaming, unroll);
}

extern "C" int xlstm_mlstm_step(const xlstm_mlstm_step_args* a, void* stream) {
  return xlstm_mlstm_step_variant(a, stream, xlstm_mlstm_step_default_streaming,
                                  xlstm_mlstm_step_default_unroll);
}
