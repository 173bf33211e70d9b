// Prefill and chunked-prefill attention (FlashAttention-2 style) on tensor cores (mma.sync
// m16n8k16, fp32 accumulators), contiguous or paged KV, causal or not.
//
// One CTA = (query head, request, block of 128 query rows); 4 warps of 32 rows each (two m16
// tiles per warp, so each K/V fragment read from shared memory feeds two MMAs). K/V tiles of 64
// tokens are double-buffered with cp.async; Q stays in shared memory and is re-read per k-step to
// keep the fp32 output accumulators (128 floats per thread at D=128) in registers. Causal blocks
// are launched heaviest first (the m-block index runs backwards) to shorten the tail.
#include <cuda_runtime.h>
#include <math.h>

#include "attention.h"
#include "prefillGrid.cuh"
#include <stdlib.h>
#include <string.h>

#include "common.cuh"
#include "prefillParams.h"
#include "validate.h"

namespace kvsim {
namespace {

constexpr int kBM = 128;
constexpr int kBN = 64;
constexpr int kThreads = 128;

template <int D> constexpr size_t prefillSmemBytes() { return (size_t)(kBM * D + 4 * kBN * D) * 2; }

template <typename T, int D, class Kv, bool Causal>
__global__ void __launch_bounds__(kThreads, 2) prefillKernel(PrefillParams p, Kv kv) {
  constexpr int kChunks = D / 8;
  constexpr int kNT = kBN / 8;  // n-tiles of S per m-tile
  constexpr int kDT = D / 8;    // n-tiles of O per m-tile
  extern __shared__ uint4 smemRaw[];
  T* sQ = reinterpret_cast<T*>(smemRaw);
  T* sK = sQ + kBM * D;         // [2][kBN][D]
  T* sV = sK + 2 * kBN * D;     // [2][kBN][D]

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int head = blockIdx.x, req = blockIdx.y;
  const int mBlock = gridDim.z - 1 - blockIdx.z;
  const int qBegin = p.cuSeqlensQ[req];
  const int qLen = p.cuSeqlensQ[req + 1] - qBegin;
  if (mBlock * kBM >= qLen) return;
  const int ctx = p.contextLens[req];
  const int prefix = ctx - qLen;
  const int row0 = mBlock * kBM; // first query row of this block, relative to the request
  const int kvEnd = Causal ? min(ctx, prefix + min(qLen, row0 + kBM)) : ctx;
  const int nTiles = (kvEnd + kBN - 1) / kBN;

  const T* q = reinterpret_cast<const T*>(p.q) + ((long long)(qBegin + row0) * p.numQHeads + head) * D;
  const long long qRowStride = (long long)p.numQHeads * D;
  for (int i = tid; i < kBM * kChunks; i += kThreads) {
    const int r = i / kChunks, c = i % kChunks;
    const bool ok = row0 + r < qLen;
    cpAsync16(smemAddr(sQ + swz<D>(r, c)), q + (ok ? r * qRowStride : 0) + c * 8, ok ? 16 : 0);
  }
  const auto rq = kv.template forRequest<T>(req, head / p.group, D);
  const int c = tid % kChunks;
  constexpr int kRowsPerThread = kBN * kChunks / kThreads;
  // Each thread copies one chunk column of kRowsPerThread consecutive, aligned tokens: one block
  // (blocks hold >= 8 tokens), whose number is fetched a tile before use (paged only).
  const int r0 = (tid / kChunks) * kRowsPerThread;
  int blk = 0;
  auto lookupTile = [&](int tile) {
    const int tok = tile * kBN + r0;
    blk = tok < kvEnd ? rq.lookup(tok) : 0;
  };
  auto loadTile = [&](int tile, int stage) {
    const int t0 = tile * kBN;
    // One offset per tile: the thread's rows are consecutive tokens of one block (or slot).
    const int tok0 = t0 + r0;
    const long long off0 = tok0 < kvEnd ? rq.offset(tok0, blk) : 0;
#pragma unroll
    for (int j = 0; j < kRowsPerThread; ++j) {
      const int r = r0 + j;
      const int tok = tok0 + j;
      const bool ok = tok < kvEnd;
      const long long off = ok ? off0 + (long long)j * rq.rowElems : 0;
      cpAsync16(smemAddr(sK + stage * kBN * D + swz<D>(r, c)), rq.k + off + c * 8, ok ? 16 : 0);
      cpAsync16(smemAddr(sV + stage * kBN * D + swz<D>(r, c)), rq.v + off + c * 8, ok ? 16 : 0);
    }
  };
  if (nTiles > 0) {
    lookupTile(0);
    loadTile(0, 0);
  }
  cpAsyncCommit();
  if (nTiles > 1) lookupTile(1);

  float o[2][kDT][4];
#pragma unroll
  for (int mt = 0; mt < 2; ++mt)
#pragma unroll
    for (int n = 0; n < kDT; ++n) o[mt][n][0] = o[mt][n][1] = o[mt][n][2] = o[mt][n][3] = 0.f;
  float m[2][2] = {{-INFINITY, -INFINITY}, {-INFINITY, -INFINITY}};
  float l[2][2] = {{0.f, 0.f}, {0.f, 0.f}};
  const int g = lane >> 2, t = lane & 3;
  const int warpRow = warp * 32; // within the block
  // Lowest query position of this block: tiles whose keys all lie at or before it need no mask.
  const int minPos = prefix + row0;

  for (int tile = 0; tile < nTiles; ++tile) {
    cpAsyncWait<0>();
    __syncthreads();
    if (tile + 1 < nTiles) loadTile(tile + 1, (tile + 1) & 1);
    cpAsyncCommit();
    if (tile + 2 < nTiles) lookupTile(tile + 2);
    const T* k = sK + (tile & 1) * kBN * D;
    const T* v = sV + (tile & 1) * kBN * D;

    float s[2][kNT][4];
#pragma unroll
    for (int mt = 0; mt < 2; ++mt)
#pragma unroll
      for (int n = 0; n < kNT; ++n) s[mt][n][0] = s[mt][n][1] = s[mt][n][2] = s[mt][n][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t qa[2][4];
#pragma unroll
      for (int mt = 0; mt < 2; ++mt)
        ldmatrixX4(qa[mt], smemAddr(sQ + swz<D>(warpRow + mt * 16 + (lane & 15), 2 * kk + (lane >> 4))));
#pragma unroll
      for (int np = 0; np < kNT / 2; ++np) {
        uint32_t b[4];
        ldmatrixX4(b, smemAddr(k + swz<D>(np * 16 + (lane & 7) + ((lane >> 4) << 3), 2 * kk + ((lane >> 3) & 1))));
#pragma unroll
        for (int mt = 0; mt < 2; ++mt) {
          mma16816<T>(s[mt][2 * np], qa[mt], b[0], b[1]);
          mma16816<T>(s[mt][2 * np + 1], qa[mt], b[2], b[3]);
        }
      }
    }

    const int t0 = tile * kBN;
    const bool needMask = Causal ? (t0 + kBN - 1 > minPos) : (t0 + kBN > ctx);
    // m is kept in log2 units (score * scale * log2 e): one FFMA per score feeds exp2. The output
    // rescale is skipped when no row max of the warp moved (most tiles once the max has settled).
    float corr[2][2];
#pragma unroll
    for (int mt = 0; mt < 2; ++mt) {
      const int posA = prefix + row0 + warpRow + mt * 16 + g; // row g; row g+8 is posA + 8
      if (needMask) {
#pragma unroll
        for (int n = 0; n < kNT; ++n)
#pragma unroll
          for (int e = 0; e < 4; ++e) {
            const int key = t0 + n * 8 + 2 * t + (e & 1);
            const bool ok = Causal ? key <= posA + ((e >> 1) << 3) : key < ctx;
            s[mt][n][e] = ok ? s[mt][n][e] : -INFINITY;
          }
      }
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        float mx = -INFINITY;
#pragma unroll
        for (int n = 0; n < kNT; ++n) mx = fmaxf(mx, fmaxf(s[mt][n][2 * r], s[mt][n][2 * r + 1]));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
        const float mNew = fmaxf(m[mt][r], mx * p.scaleLog2);
        const float mUse = mNew == -INFINITY ? 0.f : mNew;
        corr[mt][r] = fastExp2(m[mt][r] - mUse);
        m[mt][r] = mNew;
        float sum = 0.f;
#pragma unroll
        for (int n = 0; n < kNT; ++n) {
          s[mt][n][2 * r] = fastExp2(fmaf(s[mt][n][2 * r], p.scaleLog2, -mUse));
          s[mt][n][2 * r + 1] = fastExp2(fmaf(s[mt][n][2 * r + 1], p.scaleLog2, -mUse));
          sum += s[mt][n][2 * r] + s[mt][n][2 * r + 1];
        }
        l[mt][r] = l[mt][r] * corr[mt][r] + sum;
      }
    }
    if (__any_sync(0xffffffffu, corr[0][0] != 1.f || corr[0][1] != 1.f || corr[1][0] != 1.f || corr[1][1] != 1.f)) {
#pragma unroll
      for (int mt = 0; mt < 2; ++mt)
#pragma unroll
        for (int n = 0; n < kDT; ++n) {
          o[mt][n][0] *= corr[mt][0];
          o[mt][n][1] *= corr[mt][0];
          o[mt][n][2] *= corr[mt][1];
          o[mt][n][3] *= corr[mt][1];
        }
    }

#pragma unroll
    for (int ks = 0; ks < kBN / 16; ++ks) {
      uint32_t pa[2][4];
#pragma unroll
      for (int mt = 0; mt < 2; ++mt) {
        pa[mt][0] = Elem<T>::pack(s[mt][2 * ks][0], s[mt][2 * ks][1]);
        pa[mt][1] = Elem<T>::pack(s[mt][2 * ks][2], s[mt][2 * ks][3]);
        pa[mt][2] = Elem<T>::pack(s[mt][2 * ks + 1][0], s[mt][2 * ks + 1][1]);
        pa[mt][3] = Elem<T>::pack(s[mt][2 * ks + 1][2], s[mt][2 * ks + 1][3]);
      }
#pragma unroll
      for (int dp = 0; dp < D / 16; ++dp) {
        uint32_t b[4];
        ldmatrixX4Trans(b, smemAddr(v + swz<D>(ks * 16 + (lane & 7) + (((lane >> 3) & 1) << 3), 2 * dp + (lane >> 4))));
#pragma unroll
        for (int mt = 0; mt < 2; ++mt) {
          mma16816<T>(o[mt][2 * dp], pa[mt], b[0], b[1]);
          mma16816<T>(o[mt][2 * dp + 1], pa[mt], b[2], b[3]);
        }
      }
    }
  }
  cpAsyncWait<0>();

  T* out = reinterpret_cast<T*>(p.out) + ((long long)(qBegin + row0) * p.numQHeads + head) * D;
#pragma unroll
  for (int mt = 0; mt < 2; ++mt)
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      float lt = l[mt][r];
      lt += __shfl_xor_sync(0xffffffffu, lt, 1);
      lt += __shfl_xor_sync(0xffffffffu, lt, 2);
      const float inv = lt > 0.f ? 1.f / lt : 0.f;
      const int row = warpRow + mt * 16 + g + r * 8;
      if (row0 + row < qLen) {
        T* dst = out + row * qRowStride + 2 * t;
#pragma unroll
        for (int n = 0; n < kDT; ++n)
          *reinterpret_cast<uint32_t*>(dst + n * 8) = Elem<T>::pack(o[mt][n][2 * r] * inv, o[mt][n][2 * r + 1] * inv);
      }
    }
}

template <typename T, int D, class Kv, bool Causal>
int launchPrefill(const PrefillParams& p, const Kv& kv, int batch, int maxQueryLen, cudaStream_t stream) {
  constexpr size_t smem = prefillSmemBytes<D>();
  static bool configured = false;
  if (!configured) {
    cudaError_t e =
        cudaFuncSetAttribute(prefillKernel<T, D, Kv, Causal>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
    if (e != cudaSuccess) return (int)e;
    configured = true;
  }
  dim3 grid(p.numQHeads, batch, (maxQueryLen + kBM - 1) / kBM);
  prefillKernel<T, D, Kv, Causal><<<grid, kThreads, smem, stream>>>(p, kv);
  return (int)cudaGetLastError();
}

template <typename T, int D, bool Causal>
int dispatchLayout(const PrefillParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv, int batch,
                   int maxQueryLen, cudaStream_t stream) {
  if (kv->layout == KVSIM_KV_CONTIGUOUS)
    return launchPrefill<T, D, ContiguousKv, Causal>(p, contiguousKvOf(s, kv), batch, maxQueryLen, stream);
  return launchPrefill<T, D, PagedKv, Causal>(p, pagedKvOf(s, kv), batch, maxQueryLen, stream);
}

template <typename T, int D>
int dispatchCausal(const PrefillParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv, int batch,
                   int maxQueryLen, bool causal, cudaStream_t stream) {
  return causal ? dispatchLayout<T, D, true>(p, s, kv, batch, maxQueryLen, stream)
                : dispatchLayout<T, D, false>(p, s, kv, batch, maxQueryLen, stream);
}

} // namespace
} // namespace kvsim

using namespace kvsim;

namespace {

// The wgmma kernels when this build has them (sm_90a) and the device is a Hopper;
// KVSIM_ATTN_PREFILL=mma forces the mma.sync kernel (for comparisons). One rule for the launch and
// for kvsim_attn_prefill_kernel, so the name cannot disagree with what runs.
bool prefillRunsHopper() {
  const char* force = getenv("KVSIM_ATTN_PREFILL");
  return prefillHopperAvailable() && !(force && strcmp(force, "mma") == 0);
}

} // namespace

extern "C" int kvsim_attn_prefill(const kvsim_attn_shape_t* shape, const kvsim_kv_cache_t* kv, const void* q,
                                  void* out, const int32_t* cuSeqlensQ, const int32_t* contextLens, int32_t batch,
                                  int32_t maxQueryLen, int32_t causal, void* stream) {
  int rc = checkShape(shape);
  if (rc != KVSIM_ATTN_OK) return rc;
  if ((rc = checkKv(shape, kv)) != KVSIM_ATTN_OK) return rc;
  if (!q || !out || !cuSeqlensQ || !contextLens || batch <= 0 || maxQueryLen <= 0) return KVSIM_ATTN_EINVAL;
  PrefillParams p;
  p.q = q;
  p.out = out;
  p.cuSeqlensQ = cuSeqlensQ;
  p.contextLens = contextLens;
  p.numQHeads = shape->numQHeads;
  p.group = shape->numQHeads / shape->numKvHeads;
  p.scaleLog2 = shape->softmaxScale * 1.4426950408889634f;
  p.order = prefillOrderFromEnv();
  cudaStream_t st = static_cast<cudaStream_t>(stream);
  if (prefillRunsHopper()) return launchPrefillHopper(p, shape, kv, batch, maxQueryLen, causal != 0, st);
  const bool bf16 = shape->dtype == KVSIM_DTYPE_BF16;
  if (shape->headDim == 64)
    return bf16 ? dispatchCausal<__nv_bfloat16, 64>(p, shape, kv, batch, maxQueryLen, causal, st)
                : dispatchCausal<__half, 64>(p, shape, kv, batch, maxQueryLen, causal, st);
  return bf16 ? dispatchCausal<__nv_bfloat16, 128>(p, shape, kv, batch, maxQueryLen, causal, st)
              : dispatchCausal<__half, 128>(p, shape, kv, batch, maxQueryLen, causal, st);
}

// What kvsim_attn_prefill would launch: "mma" off the Hopper path, else the kernel hopperPrefillFromEnv
// picks for the launch too.
extern "C" const char* kvsim_attn_prefill_kernel(const kvsim_attn_shape_t* shape) {
  if (checkShape(shape) != KVSIM_ATTN_OK) return nullptr;
  if (!prefillRunsHopper()) return "mma";
  return hopperPrefillName(hopperPrefillFromEnv(), prefillOrderFromEnv() == kPrefillBlocksFastest);
}
