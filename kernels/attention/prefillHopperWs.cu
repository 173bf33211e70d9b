// Warp-specialised prefill / chunked-prefill attention on Hopper (sm_90a), the structure
// FlashAttention-3 describes (Shah et al. 2024, sections 3.1-3.2), written here from that description:
//
// - One CTA = (query head, request, 128 query rows), three warpgroups. Warpgroup 0 is the producer:
//   it copies the Q tile and 128-token K/V tiles into shared memory (cp.async, which serves both KV
//   layouts: one address per 8 consecutive tokens, so paged blocks of >= 8 tokens work unchanged)
//   into three stages each for K and V (two as an option), and publishes every tile through mbarriers
//   once its own copies have landed (or, as an option, lets the copies arrive on landing). It gives its
//   registers to the consumers (setmaxnreg 40 / 232).
// - Warpgroups 1 and 2 each own 64 query rows. They take turns on the tensor cores (two named
//   barriers, "ping-pong"): in its turn a warpgroup issues S_j = Q K_j^T and O += P_{j-1} V_{j-1}
//   back to back, hands the turn over, and computes the softmax of S_j while its own P V and the
//   other warpgroup's GEMMs run ("intra-warpgroup overlap"); O is rescaled once P V has landed.
// - Same math, masking, layouts and rounding as prefillHopper.cu (same tile layout, descriptors,
//   wgmma wrappers): 128-byte-swizzled panels of 64 head-dim elements, fp32 accumulators, P rounded
//   to the input type. The consumers' math is prefillWsMath.cuh, shared with prefillHopperTma.cu.
// Differences from FA3 that remain here: cp.async instead of TMA (one producer path for contiguous and
// paged caches), no persistent tile scheduler, no FP8. prefillHopperTma.cu adds the first two.
#include <cuda_runtime.h>
#include <math.h>

#include "attention.h"
#include "common.cuh"
#include "hopperSync.cuh"
#include "hopperTile.cuh"
#include "prefillGrid.cuh"
#include "prefillParams.h"
#include "prefillWsMath.cuh"
#include "wgmma.cuh"

#pragma nv_diag_suppress 177

namespace kvsim {
namespace {

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define KVSIM_HAVE_WGMMA_WS 1
#else
#define KVSIM_HAVE_WGMMA_WS 0
#endif

constexpr int kWsBM = 128;       // query rows per CTA (two consumer warpgroups of 64)
constexpr int kWsBN = 128;       // keys per K/V tile
constexpr int kWsThreads = 384;  // producer + two consumers
constexpr int kProducerRegs = 40, kConsumerRegs = 232; // 128*40 + 256*232 <= 65536
constexpr int kTurnBarrier0 = 1; // named barriers 1, 2: whose turn it is on the tensor cores

// Stages: K/V tiles in flight (each of K and V). 3 at d 128 fills 225 KB of shared memory.
template <typename T, int D, int Stages> using WsKernelSmem = WsSmem<T, D, kWsBM, kWsBN, Stages, 0>;

template <typename T, int D, int kWsStages, bool kOnLanding, class Kv, bool Causal>
__global__ void __launch_bounds__(kWsThreads, 1) prefillHopperWsKernel(PrefillParams p, Kv kv) {
#if KVSIM_HAVE_WGMMA_WS
  constexpr int kChunks = D / 8; // 16-byte chunks per row
  extern __shared__ uint8_t smemRaw[];
  const WsKernelSmem<T, D, kWsStages> sm(smemRaw);
  T* const sQ = sm.sQ;
  T* const sK = sm.sK;
  T* const sV = sm.sV;
  const uint32_t aQ = sm.aQ, aK = sm.aK, aV = sm.aV;
  // K and V have their own barriers: K_j is free once S_j has landed, V_j only after P_j V_j, which
  // runs a turn later; separate stages let the producer refill K a whole tile earlier.
  const uint32_t barFullK = sm.barFullK, barFullV = sm.barFullV, barEmptyK = sm.barEmptyK, barEmptyV = sm.barEmptyV;

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  // Broadcast from lane 0 so the compiler knows the role is warp-uniform: wgmma under a branch it
  // must treat as divergent gets serialized (ptxas C7520).
  const int wg = __shfl_sync(0xffffffffu, tid / 128, 0);
  const PrefillTile tileId = prefillTileOf(p.order); // the longest causal row blocks first
  const int head = tileId.head, req = tileId.req, mBlock = tileId.mBlock;
  const int qBegin = p.cuSeqlensQ[req];
  const int qLen = p.cuSeqlensQ[req + 1] - qBegin;
  if (mBlock * kWsBM >= qLen) return; // the whole CTA leaves: nobody waits on anyone
  const int ctx = p.contextLens[req];
  const int prefix = ctx - qLen;
  const int row0 = mBlock * kWsBM;
  const int kvEnd = Causal ? min(ctx, prefix + min(qLen, row0 + kWsBM)) : ctx;
  const int nTiles = (kvEnd + kWsBN - 1) / kWsBN; // >= 1 whenever ctx >= qLen, as attention.h requires
  const long long qRowStride = (long long)p.numQHeads * D;
  if (nTiles <= 0) {
    // A context shorter than the queries (a caller bug) leaves no key to attend to: write zeros, as the
    // other prefill kernels do, instead of waiting forever for a tile the producer never loads.
    T* out = reinterpret_cast<T*>(p.out) + ((long long)(qBegin + row0) * p.numQHeads + head) * D;
    storeZeroRows<T, D, kWsBM>(out, qRowStride, qLen - row0, tid, kWsThreads);
    return; // the whole CTA leaves before any barrier exists
  }

  if (tid == 0) {
    for (int st = 0; st < kWsStages; ++st) {
      mbarInit(barFullK + 8 * st, 128);  // every producer thread, once its own copies landed
      mbarInit(barFullV + 8 * st, 128);
      mbarInit(barEmptyK + 8 * st, 8);   // lane 0 of each consumer warp, once its wgmma read the stage
      mbarInit(barEmptyV + 8 * st, 8);
    }
  }
  __syncthreads();

  if (wg == 0) {
    // ---------------------------------------------------------------- producer
    regsDecrease<kProducerRegs>();
    const T* q = reinterpret_cast<const T*>(p.q) + ((long long)(qBegin + row0) * p.numQHeads + head) * D;
    for (int i = tid; i < kWsBM * kChunks; i += 128) {
      const int r = i / kChunks, c = i % kChunks;
      const bool ok = row0 + r < qLen;
      cpAsync16(smemAddr(sQ + wgOff<kWsBM>(r, c)), q + (ok ? r * qRowStride : 0) + c * 8, ok ? 16 : 0);
    }
    const auto rq = kv.template forRequest<T>(req, head / p.group, D);
    // 8 consecutive tokens per thread and pass (one paged block: blocks hold >= 8 aligned tokens).
    constexpr int kGroupsPerPass = 128 / kChunks;
    constexpr int kPasses = kWsBN / (8 * kGroupsPerPass);
    const int c = tid % kChunks, g0 = tid / kChunks;
    auto load = [&](const T* base, T* dstTiles, int tile) {
      const uint32_t dst0 = smemAddr(dstTiles + (tile % kWsStages) * kWsBN * D);
#pragma unroll 1 // the producer runs on 40 registers: one pass of 8 rows at a time
      for (int pass = 0; pass < kPasses; ++pass) {
        const int r0 = (pass * kGroupsPerPass + g0) * 8;
        const int tok0 = tile * kWsBN + r0;
        const T* src = base + (tok0 < kvEnd ? rq.offset(tok0, rq.lookup(tok0)) : 0) + c * 8;
        const int valid = kvEnd - tok0; // rows j < valid exist
#pragma unroll
        for (int j = 0; j < 8; ++j) {
          const bool ok = j < valid;
          cpAsync16(dst0 + 2 * wgOff<kWsBN>(r0 + j, c), ok ? src : base, ok ? 16 : 0);
          src += rq.rowElems;
        }
      }
      cpAsyncCommit();
    };
    auto publish = [&](uint32_t bar) {
      fenceProxyAsync(); // this thread's landed cp.async writes are read by wgmma (async proxy) next
      mbarArrive(bar);
    };
    if constexpr (kOnLanding) {
      // The copies signal their own landing, so the producer only ever waits for a free stage and keeps
      // up to kWsStages tiles of K and of V in flight. (Q's copies precede K_0's: its barrier covers them.)
      for (int i = 0; i < nTiles; ++i) {
        const int st = i % kWsStages;
        if (i >= kWsStages) mbarWait(barEmptyK + 8 * st, ((i - kWsStages) / kWsStages) & 1);
        load(rq.k, sK, i);
        cpAsyncArriveOnLanding(barFullK + 8 * st);
        if (i >= kWsStages) mbarWait(barEmptyV + 8 * st, ((i - kWsStages) / kWsStages) & 1);
        load(rq.v, sV, i);
        cpAsyncArriveOnLanding(barFullV + 8 * st);
      }
      cpAsyncWait<0>();
      return;
    }
    // Otherwise each thread waits for its own groups, fences and arrives; in flight, oldest first, at
    // the top of iteration i: K_i (with Q for i = 0) and V_i.
    load(rq.k, sK, 0);
    load(rq.v, sV, 0);
    for (int i = 0; i < nTiles; ++i) {
      const int st = i % kWsStages, nx = (i + 1) % kWsStages;
      const bool more = i + 1 < nTiles;
      if (more) {
        if (i + 1 >= kWsStages) mbarWait(barEmptyK + 8 * nx, ((i + 1 - kWsStages) / kWsStages) & 1);
        load(rq.k, sK, i + 1);
        cpAsyncWait<2>(); // pending: V_i, K_{i+1}
      } else {
        cpAsyncWait<1>(); // pending: V_i
      }
      publish(barFullK + 8 * st);
      if (more) {
        if (i + 1 >= kWsStages) mbarWait(barEmptyV + 8 * nx, ((i + 1 - kWsStages) / kWsStages) & 1);
        load(rq.v, sV, i + 1);
        cpAsyncWait<2>(); // pending: K_{i+1}, V_{i+1}
      } else {
        cpAsyncWait<0>();
      }
      publish(barFullV + 8 * st);
    }
    return;
  }

  // ------------------------------------------------------------------ consumers
  regsIncrease<kConsumerRegs>();
  const int cw = wg - 1;               // consumer warpgroup 0 or 1
  const int warpInWg = warp & 3;
  const int g = lane >> 2;
  const int minPos = prefix + row0;
  const int posA = prefix + row0 + cw * 64 + warpInWg * 16 + g; // this thread's rows: posA, posA + 8
  const int myTurn = kTurnBarrier0 + cw, otherTurn = kTurnBarrier0 + (1 - cw);

  WsConsumerMath<T, D, kWsBM, kWsBN, Causal> mth; // S, P, O, and the softmax state (prefillWsMath.cuh)
  mth.reset();
  auto kStage = [&](int tile) { return aK + (tile % kWsStages) * kWsBN * D * 2; };
  auto vStage = [&](int tile) { return aV + (tile % kWsStages) * kWsBN * D * 2; };
  auto release = [&](uint32_t bar, int tile) {
    if (lane == 0) mbarArrive(bar + 8 * (tile % kWsStages));
  };

  // Turns alternate consumer 0, consumer 1, consumer 0, ... (one per tile each): consumer 0 waits for
  // consumer 1's previous turn except in its first, consumer 1 always waits for consumer 0's turn.
  // Every bar.sync meets exactly one bar.arrive, so no barrier is left half-arrived at exit.
  // Tile 0 is peeled so that no wgmma sits under a data-dependent branch (ptxas would serialize them).
  mbarWait(barFullK, 0);
  fenceProxyAsync();
  if (cw == 1) namedSync(myTurn, 256);
  wgmmaFence();
  mth.issueS(aQ, cw, kStage(0));
  if (cw == 0 || nTiles > 1) namedArrive(otherTurn, 256);
  wgmmaWait<0>();
  fenceRegs(mth.s);
  release(barEmptyK, 0);
  {
    float corr[2];
    mth.softmax(0, minPos, posA, ctx, p.scaleLog2, corr); // corr is 0 or 1 against an empty O: nothing to rescale
    mth.packP();
  }
  for (int tile = 1; tile < nTiles; ++tile) {
    mbarWait(barFullK + 8 * (tile % kWsStages), (tile / kWsStages) & 1);
    mbarWait(barFullV + 8 * ((tile - 1) % kWsStages), ((tile - 1) / kWsStages) & 1);
    fenceProxyAsync();
    namedSync(myTurn, 256);
    wgmmaFence();
    mth.issueS(aQ, cw, kStage(tile));
    mth.issuePv(vStage(tile - 1));
    if (cw == 0 || tile + 1 < nTiles) namedArrive(otherTurn, 256);
    wgmmaWait<1>(); // S_j is the older group: it has landed, P_{j-1} V_{j-1} may not have
    fenceRegs(mth.s);
    release(barEmptyK, tile);
    float corr[2];
    mth.softmax(tile * kWsBN, minPos, posA, ctx, p.scaleLog2, corr);
    wgmmaWait<0>();
    fenceRegs(mth.o);
    fenceRegs(mth.pa);
    release(barEmptyV, tile - 1);
    mth.rescaleO(corr); // O holds tiles < j at the old maximum: bring it to the new one
    mth.packP();
  }
  mbarWait(barFullV + 8 * ((nTiles - 1) % kWsStages), ((nTiles - 1) / kWsStages) & 1);
  fenceProxyAsync();
  wgmmaFence();
  mth.issuePv(vStage(nTiles - 1));
  wgmmaWait<0>();
  fenceRegs(mth.o);

  T* out = reinterpret_cast<T*>(p.out) + ((long long)(qBegin + row0) * p.numQHeads + head) * D;
  mth.store(out, qRowStride, cw, qLen - row0);
#endif
}

template <typename T, int D, int Stages, bool OnLanding, class Kv, bool Causal>
int launchWs(const PrefillParams& p, const Kv& kv, int batch, int maxQueryLen, cudaStream_t stream) {
  constexpr size_t smem = WsKernelSmem<T, D, Stages>::kBytes;
  static bool configured = false;
  if (!configured) {
    cudaError_t e = cudaFuncSetAttribute(prefillHopperWsKernel<T, D, Stages, OnLanding, Kv, Causal>,
                                         cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
    if (e != cudaSuccess) return (int)e;
    configured = true;
  }
  const dim3 grid = prefillGrid(p.order, p.numQHeads, batch, (maxQueryLen + kWsBM - 1) / kWsBM);
  prefillHopperWsKernel<T, D, Stages, OnLanding, Kv, Causal><<<grid, kWsThreads, smem, stream>>>(p, kv);
  return (int)cudaGetLastError();
}

template <typename T, int D, int Stages, bool OnLanding, bool Causal>
int wsByLayout(const PrefillParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv, int batch,
               int maxQueryLen, cudaStream_t stream) {
  if (kv->layout == KVSIM_KV_CONTIGUOUS)
    return launchWs<T, D, Stages, OnLanding, ContiguousKv, Causal>(p, contiguousKvOf(s, kv), batch, maxQueryLen, stream);
  return launchWs<T, D, Stages, OnLanding, PagedKv, Causal>(p, pagedKvOf(s, kv), batch, maxQueryLen, stream);
}

// variant: 0 = 3 stages, the producer waits for its copies and arrives (default); 1 = 3 stages, the
// copies arrive on landing; 2 = 2 stages, producer waits (the first version).
template <typename T, int D, bool Causal>
int wsByStages(const PrefillParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv, int batch,
               int maxQueryLen, int variant, cudaStream_t stream) {
  if (variant == 2) return wsByLayout<T, D, 2, false, Causal>(p, s, kv, batch, maxQueryLen, stream);
  if (variant == 1) return wsByLayout<T, D, 3, true, Causal>(p, s, kv, batch, maxQueryLen, stream);
  return wsByLayout<T, D, 3, false, Causal>(p, s, kv, batch, maxQueryLen, stream);
}

template <typename T, int D>
int wsByCausal(const PrefillParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv, int batch,
               int maxQueryLen, bool causal, int variant, cudaStream_t stream) {
  return causal ? wsByStages<T, D, true>(p, s, kv, batch, maxQueryLen, variant, stream)
                : wsByStages<T, D, false>(p, s, kv, batch, maxQueryLen, variant, stream);
}

} // namespace

int launchPrefillHopperWs(const PrefillParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv,
                          int batch, int maxQueryLen, bool causal, int variant, cudaStream_t stream) {
  const bool bf16 = s->dtype == KVSIM_DTYPE_BF16;
  if (s->headDim == 64)
    return bf16 ? wsByCausal<__nv_bfloat16, 64>(p, s, kv, batch, maxQueryLen, causal, variant, stream)
                : wsByCausal<__half, 64>(p, s, kv, batch, maxQueryLen, causal, variant, stream);
  return bf16 ? wsByCausal<__nv_bfloat16, 128>(p, s, kv, batch, maxQueryLen, causal, variant, stream)
              : wsByCausal<__half, 128>(p, s, kv, batch, maxQueryLen, causal, variant, stream);
}

} // namespace kvsim
