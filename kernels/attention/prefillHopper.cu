// Prefill / chunked-prefill attention on Hopper's wgmma (sm_90a). Same math and masking as the
// mma.sync kernel in prefill.cu, which stays the fallback when this file is built for plain sm_90.
//
// One CTA = (query head, request, 128 query rows) = 2 warpgroups of 64 rows, two CTAs per SM. K/V
// tiles of 64 tokens (128 as an option) are double-buffered with cp.async into the canonical
// 128-byte-swizzled layout wgmma reads (panels of 64 head-dim elements, rows of 128 B, 16-byte
// chunk index XOR row & 7, 1024-byte-aligned atoms).
// S = Q K^T: wgmma m64n64k16 with both operands in shared memory (K-major); O += P V: wgmma
// m64nDk16 with P in registers and V read transposed (MN-major) from the same layout.
#include <cuda_runtime.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "common.cuh"
#include "prefillGrid.cuh"
#include "prefillParams.h"
#include "prefillWsMath.cuh"
#include "hopperTile.cuh"
#include "validate.h"
#include "wgmma.cuh"

// The helpers below are unused in the plain sm_90 device pass, where the kernel body is empty.
#pragma nv_diag_suppress 177

namespace kvsim {
namespace {

constexpr int kBM = 128;
constexpr int kThreads = 256;
constexpr int kStages = 2; // K/V tiles in flight, double-buffered by cp.async

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define KVSIM_HAVE_WGMMA 1
#else
#define KVSIM_HAVE_WGMMA 0
#endif

// Read by the host once: 1 only in the sm_90a device image.
__device__ int prefillHopperCompiled = KVSIM_HAVE_WGMMA;

// Q and the K/V stages in prefillWsMath.cuh's layout (one carving for every wgmma kernel). This kernel
// loads with cp.async and syncs with __syncthreads, so the layout's mbarrier words (64 bytes) go unused.
template <typename T, int D, int BN> using HopperSmem = WsSmem<T, D, kBM, BN, kStages, 0>;

// BN = keys per tile: 128 (one CTA per SM, 165 KB of shared memory at d 128) or 64 (two CTAs per SM,
// whose softmax and MMAs can interleave; registers capped at 128 per thread).
// Measured on H100 (bench/kernels/NOTES.md, run 5): 64 keys with two CTAs per SM is the faster one
// (482 vs 389 TFLOP/s causal 4x4096); a variant overlapping P V of one tile with the softmax of the
// next inside a warpgroup (3 stages, 225 KB) was slower still (356) and was removed.
template <typename T, int D, int BN, class Kv, bool Causal>
__global__ void __launch_bounds__(kThreads, BN == 64 ? 2 : 1) prefillHopperKernel(PrefillParams p, Kv kv) {
#if KVSIM_HAVE_WGMMA
  constexpr int kBN = BN;
  constexpr int kChunks = D / 8;
  constexpr int kRowsPerThread = kBN * kChunks / kThreads;
  extern __shared__ uint8_t smemRaw[];
  const HopperSmem<T, D, BN> sm(smemRaw);
  T* const sQ = sm.sQ;
  T* const sK = sm.sK; // [kStages][kBN rows]
  T* const sV = sm.sV; // [kStages][kBN rows]
  const uint32_t aQ = sm.aQ, aK = sm.aK, aV = sm.aV;

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int wg = warp >> 2, warpInWg = warp & 3;
  const PrefillTile tileId = prefillTileOf(p.order); // the longest causal row blocks first
  const int head = tileId.head, req = tileId.req, mBlock = tileId.mBlock;
  const int qBegin = p.cuSeqlensQ[req];
  const int qLen = p.cuSeqlensQ[req + 1] - qBegin;
  if (mBlock * kBM >= qLen) return;
  const int ctx = p.contextLens[req];
  const int prefix = ctx - qLen;
  const int row0 = mBlock * kBM;
  const int kvEnd = Causal ? min(ctx, prefix + min(qLen, row0 + kBM)) : ctx;
  const int nTiles = (kvEnd + kBN - 1) / kBN;

  const T* q = reinterpret_cast<const T*>(p.q) + ((long long)(qBegin + row0) * p.numQHeads + head) * D;
  const long long qRowStride = (long long)p.numQHeads * D;
  for (int i = tid; i < kBM * kChunks; i += kThreads) {
    const int r = i / kChunks, c = i % kChunks;
    const bool ok = row0 + r < qLen;
    cpAsync16(smemAddr(sQ + wgOff<kBM>(r, c)), q + (ok ? r * qRowStride : 0) + c * 8, ok ? 16 : 0);
  }
  const auto rq = kv.template forRequest<T>(req, head / p.group, D);
  const int c = tid % kChunks;
  const int r0 = (tid / kChunks) * kRowsPerThread; // consecutive aligned tokens: one block (>= 8 tokens)
  int blk = 0;
  auto lookupTile = [&](int tile) {
    const int tok = tile * kBN + r0;
    blk = tok < kvEnd ? rq.lookup(tok) : 0;
  };
  auto loadTile = [&](int tile, int stage) {
    // One offset per tile: the thread's rows are consecutive tokens of one block (or slot).
    const int tok0 = tile * kBN + r0;
    const long long off0 = tok0 < kvEnd ? rq.offset(tok0, blk) : 0;
#pragma unroll
    for (int j = 0; j < kRowsPerThread; ++j) {
      const int r = r0 + j;
      const int tok = tok0 + j;
      const bool ok = tok < kvEnd;
      const long long off = ok ? off0 + (long long)j * rq.rowElems : 0;
      cpAsync16(smemAddr(sK + stage * kBN * D + wgOff<kBN>(r, c)), rq.k + off + c * 8, ok ? 16 : 0);
      cpAsync16(smemAddr(sV + stage * kBN * D + wgOff<kBN>(r, c)), rq.v + off + c * 8, ok ? 16 : 0);
    }
  };
  if (nTiles > 0) {
    lookupTile(0);
    loadTile(0, 0);
  }
  cpAsyncCommit();
  if (nTiles > 1) lookupTile(1);

  // The consumer math (GEMM issue, masked online softmax, P packing, O rescale, epilogue) is the
  // warp-specialised kernels' own (prefillWsMath.cuh): one copy, so every wgmma kernel rounds and
  // masks alike. Here both warpgroups are consumers and the CTA loads its tiles itself.
  WsConsumerMath<T, D, kBM, kBN, Causal> mth;
  mth.reset();
  const int g = lane >> 2;
  const int minPos = prefix + row0;
  const int posA = prefix + row0 + wg * 64 + warpInWg * 16 + g; // this thread's rows: posA, posA + 8

  for (int tile = 0; tile < nTiles; ++tile) {
    cpAsyncWait<0>();
    fenceProxyAsync(); // the cp.async writes are read by wgmma (async proxy) next
    __syncthreads();
    if (tile + 1 < nTiles) loadTile(tile + 1, (tile + 1) % kStages);
    cpAsyncCommit();
    if (tile + 2 < nTiles) lookupTile(tile + 2);
    const uint32_t kBase = aK + (tile % kStages) * kBN * D * 2;

    wgmmaFence();
    mth.issueS(aQ, wg, kBase);
    wgmmaWait<0>();
    fenceRegs(mth.s);

    float corr[2];
    mth.softmax(tile * kBN, minPos, posA, ctx, p.scaleLog2, corr);
    if (__any_sync(0xffffffffu, corr[0] != 1.f || corr[1] != 1.f)) mth.rescaleO(corr);
    mth.packP();
    // O += P V for the tile in this stage, P from registers; committed as one wgmma group.
    wgmmaFence();
    fenceRegs(mth.o);
    mth.issuePv(aV + (tile % kStages) * kBN * D * 2);
    wgmmaWait<0>();
    fenceRegs(mth.o);
    fenceRegs(mth.pa);
  }
  cpAsyncWait<0>();

  T* out = reinterpret_cast<T*>(p.out) + ((long long)(qBegin + row0) * p.numQHeads + head) * D;
  mth.store(out, qRowStride, wg, qLen - row0);
#endif
}

template <typename T, int D, int BN, class Kv, bool Causal>
int launchBn(const PrefillParams& p, const Kv& kv, int batch, int maxQueryLen, cudaStream_t stream) {
  constexpr size_t smem = HopperSmem<T, D, BN>::kBytes;
  static bool configured = false;
  if (!configured) {
    cudaError_t e = cudaFuncSetAttribute(prefillHopperKernel<T, D, BN, Kv, Causal>,
                                         cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
    if (e != cudaSuccess) return (int)e;
    configured = true;
  }
  const dim3 grid = prefillGrid(p.order, p.numQHeads, batch, (maxQueryLen + kBM - 1) / kBM);
  prefillHopperKernel<T, D, BN, Kv, Causal><<<grid, kThreads, smem, stream>>>(p, kv);
  return (int)cudaGetLastError();
}

// bn128: the 128-key-tile variant (wgmma128) instead of the 64-key one (wgmma64).
template <typename T, int D, class Kv, bool Causal>
int launch(const PrefillParams& p, const Kv& kv, int batch, int maxQueryLen, bool bn128, cudaStream_t stream) {
  if (bn128) return launchBn<T, D, 128, Kv, Causal>(p, kv, batch, maxQueryLen, stream);
  return launchBn<T, D, 64, Kv, Causal>(p, kv, batch, maxQueryLen, stream);
}

template <typename T, int D, bool Causal>
int byLayout(const PrefillParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv, int batch,
             int maxQueryLen, bool bn128, cudaStream_t stream) {
  if (kv->layout == KVSIM_KV_CONTIGUOUS)
    return launch<T, D, ContiguousKv, Causal>(p, contiguousKvOf(s, kv), batch, maxQueryLen, bn128, stream);
  return launch<T, D, PagedKv, Causal>(p, pagedKvOf(s, kv), batch, maxQueryLen, bn128, stream);
}

template <typename T, int D>
int byCausal(const PrefillParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv, int batch,
             int maxQueryLen, bool causal, bool bn128, cudaStream_t stream) {
  return causal ? byLayout<T, D, true>(p, s, kv, batch, maxQueryLen, bn128, stream)
                : byLayout<T, D, false>(p, s, kv, batch, maxQueryLen, bn128, stream);
}

} // namespace

bool prefillHopperAvailable() {
  static int state = -1; // -1 unknown, 0 no, 1 yes
  if (state < 0) {
    int dev = 0, major = 0, compiled = 0;
    state = 0;
    if (cudaGetDevice(&dev) == cudaSuccess &&
        cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev) == cudaSuccess && major == 9 &&
        cudaMemcpyFromSymbol(&compiled, prefillHopperCompiled, sizeof(int)) == cudaSuccess)
      state = compiled == 1;
    cudaGetLastError(); // a missing sm_90a image must not leave a sticky error for the caller
  }
  return state == 1;
}

namespace {
// Per HopperPrefill value, in enum order: the name KVSIM_ATTN_PREFILL selects it by, and the name under
// the non-default grid order (a profile measured in the other order must not read as the default's).
constexpr const char* kHopperPrefillNames[][2] = {{"ws", "ws/blocks"},           {"wsl", "wsl/blocks"},
                                                  {"ws2", "ws2/blocks"},         {"wgmma64", "wgmma64/blocks"},
                                                  {"wgmma128", "wgmma128/blocks"}, {"tma", "tma/blocks"},
                                                  {"tmae", "tmae/blocks"},       {"tmal", "tmal/blocks"}};
constexpr int kHopperPrefillCount = sizeof(kHopperPrefillNames) / sizeof(kHopperPrefillNames[0]);
static_assert(kHopperPrefillCount == static_cast<int>(HopperPrefill::kTmaAhead) + 1, "one name pair per HopperPrefill value");
} // namespace

HopperPrefill hopperPrefillFromEnv() {
  const char* v = getenv("KVSIM_ATTN_PREFILL");
  for (int i = 0; v && i < kHopperPrefillCount; ++i)
    if (strcmp(v, kHopperPrefillNames[i][0]) == 0) return static_cast<HopperPrefill>(i);
  return HopperPrefill::kTma;
}

const char* hopperPrefillName(HopperPrefill k, bool blocksOrder) {
  return kHopperPrefillNames[static_cast<int>(k)][blocksOrder ? 1 : 0];
}

int launchPrefillHopper(const PrefillParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv, int batch,
                        int maxQueryLen, bool causal, cudaStream_t stream) {
  // The default is the persistent TMA kernel (prefillHopperTma.cu): measured faster than the one-tile-per-CTA
  // warp-specialised kernel (prefillHopperWs.cu, ws) at every contiguous shape of the kernel bench, most at
  // 16 x 1024 (bench/kernels/NOTES.md, run 11), which was faster than this file's kernels (run 9).
  // KVSIM_ATTN_PREFILL picks another for comparisons: ws, wsl / ws2 (its variants 1 / 2), wgmma64 / wgmma128
  // (this file's), tmae (the TMA kernel's producer issuing the next work tile's loads earlier), tmal (its
  // producer looking up paged block numbers a tile ahead).
  const HopperPrefill k = hopperPrefillFromEnv();
  if (k == HopperPrefill::kTma || k == HopperPrefill::kTmaEarly || k == HopperPrefill::kTmaAhead)
    return launchPrefillHopperTma(p, s, kv, batch, maxQueryLen, causal, k == HopperPrefill::kTmaEarly,
                                  k == HopperPrefill::kTmaAhead, stream);
  if (k != HopperPrefill::kWgmma64 && k != HopperPrefill::kWgmma128)
    return launchPrefillHopperWs(p, s, kv, batch, maxQueryLen, causal, static_cast<int>(k), stream);
  const bool bn128 = k == HopperPrefill::kWgmma128;
  const bool bf16 = s->dtype == KVSIM_DTYPE_BF16;
  if (s->headDim == 64)
    return bf16 ? byCausal<__nv_bfloat16, 64>(p, s, kv, batch, maxQueryLen, causal, bn128, stream)
                : byCausal<__half, 64>(p, s, kv, batch, maxQueryLen, causal, bn128, stream);
  return bf16 ? byCausal<__nv_bfloat16, 128>(p, s, kv, batch, maxQueryLen, causal, bn128, stream)
              : byCausal<__half, 128>(p, s, kv, batch, maxQueryLen, causal, bn128, stream);
}

} // namespace kvsim
