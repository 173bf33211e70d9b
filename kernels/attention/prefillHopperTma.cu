// Warp-specialised prefill / chunked-prefill attention on Hopper (sm_90a) with TMA loads and persistent
// CTAs: the two remaining differences from FlashAttention-3 (Shah et al. 2024, sections 3.1-3.2) that
// prefillHopperWs.cu lists, written here from that description. KVSIM_ATTN_PREFILL=tma.
//
// - Persistent: one CTA per SM walks the (query head, request, 128-row block) tiles in the order the
//   one-tile-per-CTA kernels launch them (prefillGrid.cuh; longest causal blocks first), tile
//   blockIdx.x, blockIdx.x + gridDim.x, ... So the producer loads the next tile's Q and first K/V
//   while the consumers still finish the current one (its last P V, the epilogue): no CTA prologue
//   or epilogue sits alone on the SM.
// - TMA: one producer thread issues each 128-row K or V tile as D/64 tensor copies (a paged tile as
//   one copy per block and panel, from one lane per block) that land 128-byte-swizzled exactly in the wgmma layout
//   (hopperTile.cuh) and complete their bytes on the stage's mbarrier, instead of 128 threads issuing
//   4,096 16-byte cp.async. A tile that reaches past the keys this row block reads (the last one of a
//   row block when its end is not a multiple of 128) still goes through cp.async with zero-fill: rows
//   past the context may hold anything (NaN included), and P = 0 times NaN would poison O; TMA's own
//   out-of-bounds zero-fill cannot see a per-request end. Likewise Q through TMA when the row block is
//   full, cp.async with zero-fill otherwise.
// - The consumers (two warpgroups of 64 rows, ping-pong on the tensor cores, intra-warpgroup overlap
//   of softmax with P V) are prefillHopperWs.cu's, through the same math (prefillWsMath.cuh). Their
//   turns continue across tiles: consumer 0 waits for consumer 1's previous turn except in the CTA's
//   first, and once more after its last, so every bar.sync meets exactly one bar.arrive.
// Which loads use TMA is decided per call on the host (encodeMaps), never refused: Q when 16-byte aligned;
// K/V when 16-byte aligned and, contiguous, the slot stride is a multiple of 16 bytes (TMA strides), or,
// paged, blocks hold >= 64 tokens (smaller blocks measured faster through cp.async, as FlashAttention-3
// also keeps small pages off TMA). Everything else goes through the cp.async path of the same kernel.
#include <cuda.h>
#include <cuda_runtime.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
#define KVSIM_HAVE_WGMMA_TMA 1
#else
#define KVSIM_HAVE_WGMMA_TMA 0
#endif

constexpr int kBM = 128;       // query rows per tile (two consumer warpgroups of 64)
constexpr int kBN = 128;       // keys per K/V tile
constexpr int kStages = 3;     // K/V tiles in flight, each of K and V (225 KB of shared memory at d 128)
constexpr int kThreads = 384;  // producer + two consumers
constexpr int kProducerRegs = 40, kConsumerRegs = 232;
constexpr int kTurnBarrier0 = 1; // named barriers 1, 2: whose turn it is on the tensor cores

// Q, the K/V stages and their barriers, plus Q's own full/empty pair.
template <typename T, int D> using TmaSmem = WsSmem<T, D, kBM, kBN, kStages, 2>;

// One tile of work: which rows, and the keys they read.
struct Work {
  int head, req, qBegin, qLen, row0, ctx, prefix, kvEnd, nTiles;
  bool rows; // the row block holds queries
};

template <bool Causal>
__device__ __forceinline__ Work workOf(const PrefillParams& p, int t, int rowBlocks, int batch) {
  Work w;
  int mBlock;
  if (p.order == kPrefillHeadsFastest) {
    w.head = t % p.numQHeads;
    w.req = (t / p.numQHeads) % batch;
    mBlock = rowBlocks - 1 - t / (p.numQHeads * batch);
  } else {
    mBlock = rowBlocks - 1 - t % rowBlocks;
    w.head = (t / rowBlocks) % p.numQHeads;
    w.req = t / (rowBlocks * p.numQHeads);
  }
  w.qBegin = p.cuSeqlensQ[w.req];
  w.qLen = p.cuSeqlensQ[w.req + 1] - w.qBegin;
  w.row0 = mBlock * kBM;
  w.rows = w.row0 < w.qLen;
  w.ctx = p.contextLens[w.req];
  w.prefix = w.ctx - w.qLen;
  w.kvEnd = Causal ? min(w.ctx, w.prefix + min(w.qLen, w.row0 + kBM)) : w.ctx;
  w.nTiles = w.kvEnd > 0 ? (w.kvEnd + kBN - 1) / kBN : 0; // 0 only when ctx < qLen (a caller bug)
  return w;
}

// This lane's share of the TMA copies of one full K or V tile (tokens tok0 .. tok0+kBN-1 of request
// req, KV head h), issued by the lanes of the producer's first warp.
// blkAhead: the block number this lane's copy reads when the caller looked it up a tile ahead (paged,
// KVSIM_ATTN_PREFILL=tmal), -1 to look it up here.
template <int D>
__device__ __forceinline__ void tmaKvTile(const ContiguousKv& kv, const CUtensorMap* map, uint32_t dst, int req,
                                          int h, int tok0, uint32_t bar, int lane, int) {
  if (lane != 0) return;
  const int slot = kv.slotOfRequest ? kv.slotOfRequest[req] : req;
#pragma unroll
  for (int pc = 0; pc < D / 64; ++pc) tmaLoad4d(dst + pc * kBN * 128, map, pc * 64, h, tok0, slot, bar);
}
template <int D>
__device__ __forceinline__ void tmaKvTile(const PagedKv& kv, const CUtensorMap* map, uint32_t dst, int req, int h,
                                          int tok0, uint32_t bar, int lane, int blkAhead) {
  const int32_t* table = kv.blockTable + (long long)req * kv.maxBlocksPerSeq;
  const int bs = 1 << kv.blockShift;
  if (bs >= kBN) {
    if (lane != 0) return;
    const int blk = blkAhead >= 0 ? blkAhead : __ldg(table + (tok0 >> kv.blockShift));
#pragma unroll
    for (int pc = 0; pc < D / 64; ++pc) tmaLoad4d(dst + pc * kBN * 128, map, pc * 64, h, tok0 & (bs - 1), blk, bar);
    return;
  }
  // One box of bs rows per block, one block per lane (2 at bs 64, the smallest block TMA is used for,
  // kTmaMinBlockTokens); each box lands 1024-byte aligned (>= 8 rows of 128 bytes), so the 128-byte
  // swizzle (keyed on address bits 7-9) matches the tile's row index.
  const int b = lane, n = kBN >> kv.blockShift;
  if (b >= n) return;
  const int blk = blkAhead >= 0 ? blkAhead : __ldg(table + (tok0 >> kv.blockShift) + b);
#pragma unroll
  for (int pc = 0; pc < D / 64; ++pc) tmaLoad4d(dst + pc * kBN * 128 + b * bs * 128, map, pc * 64, h, 0, blk, bar);
}

// The block number lane `lane` of the producer's first warp gives tmaKvTile for the full tile at tok0
// (TMA path), or -1 where it issues no copy; contiguous: unused.
__device__ __forceinline__ int tmaLaneBlock(const ContiguousKv&, int, int, int) { return -1; }
__device__ __forceinline__ int tmaLaneBlock(const PagedKv& kv, int req, int tok0, int lane) {
  const int32_t* table = kv.blockTable + (long long)req * kv.maxBlocksPerSeq;
  const int bs = 1 << kv.blockShift;
  if (bs >= kBN) return lane == 0 ? __ldg(table + (tok0 >> kv.blockShift)) : -1;
  return lane < (kBN >> kv.blockShift) ? __ldg(table + (tok0 >> kv.blockShift) + lane) : -1;
}

// Ahead: a template parameter, not a flag, so the default kernel's producer keeps its registers (a runtime
// flag made ptxas spill it within its 40 registers); only paged caches have lookups to move.
template <typename T, int D, class Kv, bool Causal, bool Ahead>
__global__ void __launch_bounds__(kThreads, 1)
    prefillHopperTmaKernel(PrefillParams p, Kv kv, const __grid_constant__ CUtensorMap tmQ,
                           const __grid_constant__ CUtensorMap tmK, const __grid_constant__ CUtensorMap tmV,
                           int rowBlocks, int batch, bool tmaQ, bool tmaKv, bool early) {
  // Never early with Ahead (launchTma refuses the pair): early's K_0 issue comes before the tile's lookups.
  constexpr bool ahead = Ahead;
#if KVSIM_HAVE_WGMMA_TMA
  constexpr int kChunks = D / 8; // 16-byte chunks per row
  constexpr uint32_t kTileBytes = kBN * D * 2, kQBytes = kBM * D * 2;
  extern __shared__ uint8_t smemRaw[];
  const TmaSmem<T, D> sm(smemRaw);
  T* const sQ = sm.sQ;
  const uint32_t aQ = sm.aQ, aK = sm.aK, aV = sm.aV;
  const uint32_t barFullK = sm.barFullK, barFullV = sm.barFullV, barEmptyK = sm.barEmptyK, barEmptyV = sm.barEmptyV;
  const uint32_t barQFull = sm.barExtra, barQEmpty = barQFull + 8;

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int wg = __shfl_sync(0xffffffffu, tid / 128, 0); // warp-uniform role (see prefillHopperWs.cu)
  const int total = p.numQHeads * batch * rowBlocks;
  const long long qRowStride = (long long)p.numQHeads * D;

  if (tid == 0) {
    for (int st = 0; st < kStages; ++st) {
      mbarInit(barFullK + 8 * st, 128); // every producer thread: TMA's issuer with the bytes, or its cp.async landing
      mbarInit(barFullV + 8 * st, 128);
      mbarInit(barEmptyK + 8 * st, 8);  // lane 0 of each consumer warp, once its wgmma read the stage
      mbarInit(barEmptyV + 8 * st, 8);
    }
    mbarInit(barQFull, 128);
    mbarInit(barQEmpty, 8); // after the tile's last S = Q K^T
    fenceMbarrierInit();
  }
  __syncthreads();

  if (wg == 0) {
    // ---------------------------------------------------------------- producer
    regsDecrease<kProducerRegs>();
    constexpr int kGroupsPerPass = 128 / kChunks;
    const int c = tid % kChunks, g0 = tid / kChunks;
    uint32_t kvIt = 0; // K/V tiles this CTA loaded so far (stage and phase of the next)
    int q = 0;         // Q tiles loaded so far
    // The next work tile after t that has queries and keys: its Q's panels into L2 when they go through
    // TMA (a full row block), else nothing.
    auto prefetchNextQ = [&](int t) {
      for (int tn = t + gridDim.x; tn < total; tn += gridDim.x) {
        const Work wn = workOf<Causal>(p, tn, rowBlocks, batch);
        if (!wn.rows || wn.nTiles == 0) continue;
        if (wn.row0 + kBM <= wn.qLen) {
#pragma unroll
          for (int pc = 0; pc < D / 64; ++pc) tmaPrefetchL2_3d(&tmQ, pc * 64, wn.head, wn.qBegin + wn.row0);
        }
        return;
      }
    };
    for (int t = blockIdx.x; t < total; t += gridDim.x) {
      const Work w = workOf<Causal>(p, t, rowBlocks, batch);
      if (!w.rows || w.nTiles == 0) continue;
      const int kvHead = w.head / p.group;
      const auto rq = kv.template forRequest<T>(w.req, kvHead, D);
      // ahead (KVSIM_ATTN_PREFILL=tmal): the block numbers of tile j + 1 are loaded while tile j is issued,
      // and tile j's serve both its K and its V copies, so no copy waits on a block-table load (paged;
      // contiguous addressing has no lookup and ignores them). Per thread: the block of each of its cp.async
      // row groups (kPasses), and on the producer's first warp the block of its TMA box.
      // A full tile through TMA needs only its box's block (blk[0], -1 where this lane issues no box).
      constexpr int kPasses = kBN / (8 * kGroupsPerPass);
      int blkK[kPasses] = {}, blkV[kPasses] = {}, blkNext[kPasses] = {};
      auto lookupTile = [&](int j, int (&blk)[kPasses]) {
        const int tok0 = j * kBN;
        if (tmaKv && tok0 + kBN <= w.kvEnd) {
          blk[0] = warp == 0 ? tmaLaneBlock(kv, w.req, tok0, lane) : -1;
          return;
        }
#pragma unroll
        for (int pass = 0; pass < kPasses; ++pass) {
          const int tokR = tok0 + (pass * kGroupsPerPass + g0) * 8;
          blk[pass] = tokR < w.kvEnd ? rq.lookup(tokR) : 0;
        }
      };
      // Tile j of K (isV false) or V into stage (kvIt + j) % kStages; blk as lookupTile gave it when ahead,
      // else unused.
      auto loadTile = [&](bool isV, int j, const int (&blk)[kPasses]) {
        const uint32_t it = kvIt + j, st = it % kStages;
        const uint32_t full = (isV ? barFullV : barFullK) + 8 * st;
        if (it >= kStages) mbarWait((isV ? barEmptyV : barEmptyK) + 8 * st, ((it / kStages) - 1) & 1);
        const uint32_t dst = (isV ? aV : aK) + st * kTileBytes;
        const int tok0 = j * kBN;
        if (tmaKv && tok0 + kBN <= w.kvEnd) {
          // Lane 0's arrival carries the tile's bytes, so the phase cannot complete before every copy
          // has landed, whichever lane's copy lands first.
          if (tid == 0) mbarArriveExpectTx(full, kTileBytes);
          else mbarArrive(full);
          if (warp == 0) tmaKvTile<D>(kv, isV ? &tmV : &tmK, dst, w.req, kvHead, tok0, full, lane, ahead ? blk[0] : -1);
          return;
        }
        // cp.async: the row block's last tile when it reaches past its keys (rows zero-filled), or every tile
        // where TMA is off for K/V. 8 tokens per thread and pass.
        const T* base = isV ? rq.v : rq.k;
#pragma unroll 1
        for (int pass = 0; pass < kBN / (8 * kGroupsPerPass); ++pass) {
          const int r0 = (pass * kGroupsPerPass + g0) * 8;
          const int tokR = tok0 + r0;
          // (pass is 0 or kPasses - 1 = 1: a register pick, where blk[pass] under `unroll 1` would be local memory)
          const int blkAhead = pass == 0 ? blk[0] : blk[kPasses - 1];
          const T* src = base + (tokR < w.kvEnd ? rq.offset(tokR, ahead ? blkAhead : rq.lookup(tokR)) : 0) + c * 8;
          const int valid = w.kvEnd - tokR;
#pragma unroll
          for (int jj = 0; jj < 8; ++jj) {
            const bool ok = jj < valid;
            cpAsync16(dst + 2 * wgOff<kBN>(r0 + jj, c), ok ? src : base, ok ? 16 : 0);
            src += rq.rowElems;
          }
        }
        cpAsyncArriveOnLanding(full);
      };
      // early (KVSIM_ATTN_PREFILL=tmae): the tile's K_0 is issued before the wait for Q's buffer, which
      // frees only after the consumers' last S of the previous tile; K_0 needs only its own stage. So K_0
      // is in flight while they finish that tile (its last softmax, P V and epilogue), not after.
      if (early) loadTile(false, 0, blkK);
      // Q: free once the consumers' last S of the previous tile has landed.
      if (q > 0) mbarWait(barQEmpty, (q - 1) & 1);
      if (tmaQ && w.row0 + kBM <= w.qLen) {
        if (tid == 0) {
          mbarArriveExpectTx(barQFull, kQBytes);
#pragma unroll
          for (int pc = 0; pc < D / 64; ++pc) tmaLoad3d(aQ + pc * kBM * 128, &tmQ, pc * 64, w.head, w.qBegin + w.row0, barQFull);
        } else {
          mbarArrive(barQFull);
        }
      } else {
        const T* qp = reinterpret_cast<const T*>(p.q) + ((long long)(w.qBegin + w.row0) * p.numQHeads + w.head) * D;
#pragma unroll 1
        for (int i = tid; i < kBM * kChunks; i += 128) {
          const int r = i / kChunks, cc = i % kChunks;
          const bool ok = w.row0 + r < w.qLen;
          cpAsync16(smemAddr(sQ + wgOff<kBM>(r, cc)), qp + (ok ? r * qRowStride : 0) + cc * 8, ok ? 16 : 0);
        }
        cpAsyncArriveOnLanding(barQFull);
      }
      // K_j ahead of V_{j-1}: the consumers' step j needs both. early: once the last V tile is issued
      // (about kStages tiles before this work tile ends), the next work tile's Q is prefetched into L2
      // (a TMA prefetch: no shared memory, no barrier), so its load at the buffer's release is an L2
      // hit, not a DRAM round trip, while the consumers finish this tile.
      if (ahead) lookupTile(0, blkK);
      for (int j = early ? 1 : 0; j <= w.nTiles; ++j) {
        if (ahead && j + 1 < w.nTiles) lookupTile(j + 1, blkNext);
        if (j < w.nTiles) loadTile(false, j, blkK);
        if (j > 0) loadTile(true, j - 1, blkV);
        if (early && tid == 0 && tmaQ && j == w.nTiles) prefetchNextQ(t); // after V_{n-1}: delays no copy
        if (ahead) {
#pragma unroll
          for (int pass = 0; pass < kPasses; ++pass) blkV[pass] = blkK[pass], blkK[pass] = blkNext[pass];
        }
      }
      kvIt += w.nTiles;
      ++q;
    }
    return; // every tile it loaded is consumed (through its mbarrier) before the CTA ends
  }

  // ------------------------------------------------------------------ consumers
  regsIncrease<kConsumerRegs>();
  const int cw = wg - 1;
  const int warpInWg = warp & 3;
  const int g = lane >> 2;
  const int myTurn = kTurnBarrier0 + cw, otherTurn = kTurnBarrier0 + (1 - cw);
  WsConsumerMath<T, D, kBM, kBN, Causal> mth;
  auto release = [&](uint32_t bar) {
    if (lane == 0) mbarArrive(bar);
  };
  uint32_t kvIt = 0;
  int q = 0, turns = 0;
  for (int t = blockIdx.x; t < total; t += gridDim.x) {
    const Work w = workOf<Causal>(p, t, rowBlocks, batch);
    if (!w.rows) continue;
    T* out = reinterpret_cast<T*>(p.out) + ((long long)(w.qBegin + w.row0) * p.numQHeads + w.head) * D;
    if (w.nTiles == 0) {
      storeZeroRows<T, D, kBM>(out, qRowStride, w.qLen - w.row0, tid - 128, 256);
      continue;
    }
    const int n = w.nTiles;
    const int minPos = w.prefix + w.row0;
    const int posA = minPos + cw * 64 + warpInWg * 16 + g;
    auto stageOf = [&](int j) { return (kvIt + j) % kStages; };
    auto parityOf = [&](int j) { return ((kvIt + j) / kStages) & 1; };
    // Tiles the producer wrote with cp.async (generic proxy) need a proxy fence before wgmma (async proxy)
    // reads them; TMA writes are async-proxy already, so full TMA tiles skip it (measured side by side
    // with a fence before every tile, bench/kernels/NOTES.md run 12: no difference either way).
    auto viaCpAsync = [&](int j) { return !tmaKv || (j + 1) * kBN > w.kvEnd; };
    const bool qViaCpAsync = !tmaQ || w.row0 + kBM > w.qLen;
    mth.reset();
    mbarWait(barQFull, q & 1);
    mbarWait(barFullK + 8 * stageOf(0), parityOf(0));
    if (qViaCpAsync || viaCpAsync(0)) fenceProxyAsync();
    if (cw == 1 || turns > 0) namedSync(myTurn, 256);
    wgmmaFence();
    mth.issueS(aQ, cw, aK + stageOf(0) * kTileBytes);
    namedArrive(otherTurn, 256);
    ++turns;
    wgmmaWait<0>();
    fenceRegs(mth.s);
    release(barEmptyK + 8 * stageOf(0));
    if (n == 1) release(barQEmpty);
    {
      float corr[2];
      mth.softmax(0, minPos, posA, w.ctx, p.scaleLog2, corr); // O is empty: nothing to rescale
      mth.packP();
    }
    for (int j = 1; j < n; ++j) {
      mbarWait(barFullK + 8 * stageOf(j), parityOf(j));
      mbarWait(barFullV + 8 * stageOf(j - 1), parityOf(j - 1));
      if (viaCpAsync(j)) fenceProxyAsync(); // K_j; V_{j-1} is full when K_j is
      namedSync(myTurn, 256);
      wgmmaFence();
      mth.issueS(aQ, cw, aK + stageOf(j) * kTileBytes);
      mth.issuePv(aV + stageOf(j - 1) * kTileBytes);
      namedArrive(otherTurn, 256);
      ++turns;
      wgmmaWait<1>(); // S_j is the older group: it has landed, P_{j-1} V_{j-1} may not have
      fenceRegs(mth.s);
      release(barEmptyK + 8 * stageOf(j));
      if (j == n - 1) release(barQEmpty);
      float corr[2];
      mth.softmax(j * kBN, minPos, posA, w.ctx, p.scaleLog2, corr);
      wgmmaWait<0>();
      fenceRegs(mth.o);
      fenceRegs(mth.pa);
      release(barEmptyV + 8 * stageOf(j - 1));
      mth.rescaleO(corr);
      mth.packP();
    }
    mbarWait(barFullV + 8 * stageOf(n - 1), parityOf(n - 1));
    if (viaCpAsync(n - 1)) fenceProxyAsync();
    wgmmaFence();
    mth.issuePv(aV + stageOf(n - 1) * kTileBytes);
    wgmmaWait<0>();
    fenceRegs(mth.o);
    release(barEmptyV + 8 * stageOf(n - 1));
    mth.store(out, qRowStride, cw, w.qLen - w.row0);
    kvIt += n;
    ++q;
  }
  // Consumer 1 arrived after its last turn too: meet that arrival, so no barrier is left half-arrived.
  if (cw == 0 && turns > 0) namedSync(myTurn, 256);
#endif
}

// ---------------------------------------------------------------------------- host side

using EncodeTiledFn = CUresult (*)(CUtensorMap*, CUtensorMapDataType, cuuint32_t, void*, const cuuint64_t*,
                                   const cuuint64_t*, const cuuint32_t*, const cuuint32_t*, CUtensorMapInterleave,
                                   CUtensorMapSwizzle, CUtensorMapL2promotion, CUtensorMapFloatOOBfill);

// cuTensorMapEncodeTiled through the runtime's driver entry point (this project never links libcuda).
// Looked up once (a function-local static: thread-safe initialisation).
EncodeTiledFn encodeTiled() {
  static const EncodeTiledFn fn = [] {
    void* f = nullptr;
    cudaDriverEntryPointQueryResult status;
    const bool found = cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &f, 12000, cudaEnableDefault, &status) ==
                           cudaSuccess && status == cudaDriverEntryPointSuccess;
    cudaGetLastError(); // a failed lookup must not surface later as the launch's error (loads then use cp.async)
    return found ? reinterpret_cast<EncodeTiledFn>(f) : static_cast<EncodeTiledFn>(nullptr);
  }();
  return fn;
}

// A rank-r map of 16-bit elements, boxes of 64 elements x 1 x rows (x 1), 128-byte swizzle.
bool encode(CUtensorMap* map, bool bf16, int rank, const void* base, const cuuint64_t* dims, const cuuint64_t* strides,
            int boxRows) {
  const EncodeTiledFn fn = encodeTiled();
  if (!fn) return false;
  const cuuint32_t box[4] = {64, 1, (cuuint32_t)boxRows, 1};
  const cuuint32_t elemStrides[4] = {1, 1, 1, 1};
  return fn(map, bf16 ? CU_TENSOR_MAP_DATA_TYPE_BFLOAT16 : CU_TENSOR_MAP_DATA_TYPE_FLOAT16, rank, const_cast<void*>(base),
            dims, strides, box, elemStrides, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
            CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

bool aligned16(const void* ptr) { return (reinterpret_cast<uintptr_t>(ptr) & 15) == 0; }

// Which loads go through TMA for this call (the rest through cp.async), and their maps.
struct TmaMaps {
  CUtensorMap q, k, v; // CUtensorMap carries its own 64-byte alignment
  bool tmaQ = false, tmaKv = false;
};

// Paged blocks below this many tokens go through cp.async: one TMA box per block and panel of a few KB
// measured slower than the cp.async producer (bench/kernels/NOTES.md run 11: 16-token blocks 1.14-1.19x
// the contiguous time, 64-token 0.98-1.03x). FlashAttention-3 likewise keeps small pages off TMA.
constexpr int kTmaMinBlockTokens = 64;

// Measurement switches for the paged / contiguous decomposition in the kernel bench (bench/kernels/benches.cu),
// read per call: KVSIM_ATTN_TMA_KV=off sends every K/V tile through the cp.async path (contiguous too);
// KVSIM_ATTN_TMA_MIN_BLOCK=N (a power of two, 8..128) moves the smallest TMA block size. Unset: the defaults
// above. An unparsable value is ignored (the default stays): these never change results, only the load path.
// Compiled in only with KVSIM_ATTN_MEASUREMENT_SWITCHES (bench/kernels/build.sh): the addon ignores them, so an
// exported variable can never change what a calibration times without its profile saying so.
#if defined(KVSIM_ATTN_MEASUREMENT_SWITCHES)
bool tmaKvOff() {
  const char* v = getenv("KVSIM_ATTN_TMA_KV");
  return v && strcmp(v, "off") == 0;
}
int tmaMinBlockTokens() {
  const char* v = getenv("KVSIM_ATTN_TMA_MIN_BLOCK");
  const int n = v ? atoi(v) : 0;
  return n >= 8 && n <= kBN && (n & (n - 1)) == 0 ? n : kTmaMinBlockTokens;
}
#else
constexpr bool tmaKvOff() { return false; }
constexpr int tmaMinBlockTokens() { return kTmaMinBlockTokens; }
#endif

TmaMaps encodeMaps(const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv, const void* q, int batch, int maxQueryLen) {
  TmaMaps m{}; // maps a flag leaves off are passed zeroed, never read
  const bool bf16 = s->dtype == KVSIM_DTYPE_BF16;
  const cuuint64_t d = (cuuint64_t)s->headDim, headBytes = d * 2;
  // Q: [rows][numQHeads][D]; TMA reads only full row blocks, which end inside batch * maxQueryLen rows.
  const cuuint64_t qDims[3] = {d, (cuuint64_t)s->numQHeads, (cuuint64_t)batch * (cuuint64_t)maxQueryLen};
  const cuuint64_t qStrides[2] = {headBytes, headBytes * (cuuint64_t)s->numQHeads};
  m.tmaQ = aligned16(q) && encode(&m.q, bf16, 3, q, qDims, qStrides, kBM);
  if (!aligned16(kv->k) || !aligned16(kv->v) || tmaKvOff()) return m;
  // K/V: the slot or block index is the outermost coordinate. Its extent is a bound on the index, not
  // memory to read: TMA only ever reads full tiles of tokens below the context.
  const cuuint64_t kIndexBound = 0x7fffffffull;
  if (kv->layout == KVSIM_KV_CONTIGUOUS) {
    const cuuint64_t tokenBytes = (cuuint64_t)contiguousTokenElems(s, kv) * 2;
    if (kv->slotStrideBytes % 16 != 0) return m; // TMA strides are multiples of 16 bytes
    // Tokens a slot can hold: the contract allows a slot stride shorter than a whole number of token
    // strides (megacache: (maxContext - 1) token strides plus one row), so the extent counts the last
    // token by its row, not by a whole stride (slotStride / tokenStride would turn a slot's last token
    // into TMA's out-of-bounds zeros).
    const cuuint64_t rowBytes = headBytes * (cuuint64_t)s->numKvHeads;
    const cuuint64_t tokens = ((cuuint64_t)kv->slotStrideBytes - rowBytes) / tokenBytes + 1;
    const cuuint64_t dims[4] = {d, (cuuint64_t)s->numKvHeads, tokens < kIndexBound ? tokens : kIndexBound, kIndexBound};
    const cuuint64_t strides[3] = {headBytes, tokenBytes, (cuuint64_t)kv->slotStrideBytes};
    m.tmaKv = encode(&m.k, bf16, 4, kv->k, dims, strides, kBN) && encode(&m.v, bf16, 4, kv->v, dims, strides, kBN);
    return m;
  }
  if (kv->blockSizeTokens < tmaMinBlockTokens()) return m;
  const cuuint64_t bs = (cuuint64_t)kv->blockSizeTokens, rowBytes = headBytes * (cuuint64_t)s->numKvHeads;
  const cuuint64_t dims[4] = {d, (cuuint64_t)s->numKvHeads, bs, kIndexBound};
  const cuuint64_t strides[3] = {headBytes, rowBytes, rowBytes * bs};
  const int boxRows = bs < (cuuint64_t)kBN ? (int)bs : kBN;
  m.tmaKv = encode(&m.k, bf16, 4, kv->k, dims, strides, boxRows) && encode(&m.v, bf16, 4, kv->v, dims, strides, boxRows);
  return m;
}

// SMs of the current device, looked up once per process (the grid only sizes the persistent loop: a
// wrong count costs speed, never correctness).
int smCount() {
  static const int n = [] {
    int dev = 0, count = 0;
    if (cudaGetDevice(&dev) != cudaSuccess || cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess)
      count = 0;
    cudaGetLastError();
    return count;
  }();
  return n > 0 ? n : 132;
}

template <typename T, int D, class Kv, bool Causal, bool Ahead>
int launchTma(const PrefillParams& p, const Kv& kv, const TmaMaps& maps, int batch, int maxQueryLen, bool early,
              cudaStream_t stream) {
  constexpr size_t smem = TmaSmem<T, D>::kBytes;
  // tmae and tmal are one HopperPrefill value each, so never both; the kernel's K_0-before-Q issue (early)
  // would run before the Ahead instance's first block-number lookup.
  if (Ahead && early) return KVSIM_ATTN_EINVAL;
  static bool configured = false;
  if (!configured) {
    cudaError_t e = cudaFuncSetAttribute(prefillHopperTmaKernel<T, D, Kv, Causal, Ahead>,
                                         cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
    if (e != cudaSuccess) return (int)e;
    configured = true;
  }
  const int rowBlocks = (maxQueryLen + kBM - 1) / kBM;
  const long long tiles = (long long)p.numQHeads * batch * rowBlocks;
  if (tiles <= 0) return 0;
  const int grid = (int)(tiles < smCount() ? tiles : smCount());
  if (tiles > 0x7fffffffLL - grid) return KVSIM_ATTN_EINVAL; // t += gridDim.x must not overflow
  prefillHopperTmaKernel<T, D, Kv, Causal, Ahead><<<grid, kThreads, smem, stream>>>(p, kv, maps.q, maps.k, maps.v, rowBlocks,
                                                                                    batch, maps.tmaQ, maps.tmaKv, early);
  return (int)cudaGetLastError();
}

template <typename T, int D, bool Causal>
int tmaByLayout(const PrefillParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv, int batch,
                int maxQueryLen, bool early, bool ahead, cudaStream_t stream) {
  const TmaMaps maps = encodeMaps(s, kv, p.q, batch, maxQueryLen);
  if (kv->layout == KVSIM_KV_CONTIGUOUS)
    return launchTma<T, D, ContiguousKv, Causal, false>(p, contiguousKvOf(s, kv), maps, batch, maxQueryLen, early, stream);
  return ahead ? launchTma<T, D, PagedKv, Causal, true>(p, pagedKvOf(s, kv), maps, batch, maxQueryLen, early, stream)
               : launchTma<T, D, PagedKv, Causal, false>(p, pagedKvOf(s, kv), maps, batch, maxQueryLen, early, stream);
}

template <typename T, int D>
int tmaByCausal(const PrefillParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv, int batch,
                int maxQueryLen, bool causal, bool early, bool ahead, cudaStream_t stream) {
  return causal ? tmaByLayout<T, D, true>(p, s, kv, batch, maxQueryLen, early, ahead, stream)
                : tmaByLayout<T, D, false>(p, s, kv, batch, maxQueryLen, early, ahead, stream);
}

} // namespace

int launchPrefillHopperTma(const PrefillParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv, int batch,
                           int maxQueryLen, bool causal, bool early, bool ahead, cudaStream_t stream) {
  const bool bf16 = s->dtype == KVSIM_DTYPE_BF16;
  if (s->headDim == 64)
    return bf16 ? tmaByCausal<__nv_bfloat16, 64>(p, s, kv, batch, maxQueryLen, causal, early, ahead, stream)
                : tmaByCausal<__half, 64>(p, s, kv, batch, maxQueryLen, causal, early, ahead, stream);
  return bf16 ? tmaByCausal<__nv_bfloat16, 128>(p, s, kv, batch, maxQueryLen, causal, early, ahead, stream)
              : tmaByCausal<__half, 128>(p, s, kv, batch, maxQueryLen, causal, early, ahead, stream);
}

} // namespace kvsim
