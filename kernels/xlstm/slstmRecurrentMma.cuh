// sLSTM recurrent product on tensor cores (batch >= kSlMmaMinBatch): per head, the
// [batch x dh] x [dh x 4 dh] GEMM  pre[b][g][j] = sum_k h_{t-1}[b][k] R[g][k][j]  with
// mma.sync m16n8k16 (R's own type, bf16 or f16) and fp32 accumulation.
//
// Tiling: a block owns 64 requests x 128 output units of one gate x one k range; 8 warps as
// 2 (requests) x 4 (units), 32 x 32 per warp. The k range streams in 64-row chunks through a
// 3-stage cp.async ring (R chunk 16 KB, h chunk 8-16 KB), so two chunks are in flight while one
// is multiplied. Blocks that share an R tile differ only in blockIdx.x (request group), so they
// run together and R comes from DRAM once. The k range is split (as the CUDA-core kernel does)
// only while the grid has fewer than ~one block per SM; each split writes its own fp32 partial
// sums to the workspace, so the result stays deterministic and the gate kernel is unchanged.
//
// Operand precision (why not TF32): R is always bf16/f16 (xlstm.h), exact in R's own type. h is
// the state dtype. bf16 h with bf16 R: exact, one mma. fp32 h: split h = hi + lo, both in R's
// type (hi = round(h), lo = round(h - hi)) and two mmas into one accumulator; the represented h
// keeps ~16 (bf16) / ~22 (f16) mantissa bits, against 11 for TF32 at the same tensor-core cost
// (one m16n8k8 TF32 mma per 16x8x8 = two m16n8k16 per 16x8x16). TF32 h would add a relative
// error ~1e-4 to the state, too close to the fp32-state check bound (1e-4; see NOTES.md).
// bf16 h with f16 R: h converted to f16 (exact for |h| >= 2^-14; h = sigmoid * c/n is O(1)),
// one mma.
//
// kNew (the "new" variants of slstmStep.cu; kNew = false is the run-5 kernel, unchanged):
// - R is prefetched into L2 (prefetch.global.L2, no registers or shared memory held) kSlMmaPfChunks
//   chunks ahead of the cp.async ring, so DRAM sees the block's whole R range at once instead of
//   two 16 KB chunks per block (at B=64 only 128 blocks of one per SM run; with 2 chunks in flight
//   each, R streamed at well under the copy rate). Blocks sharing an R tile (request groups) split
//   the rows between them.
// - Programmatic dependent launch (sm_90): the prefetch is issued before griddepcontrol.wait, which
//   returns once the previous kernel in the stream has completed and its writes are visible; only
//   then are slots, h and the workspace touched. An L2 prefetch is coherent (L2 is the point of
//   coherence), so prefetching R while the previous kernel runs cannot return stale data later.
//   launch_dependents right after the wait lets the gate kernel's blocks start and load their
//   slot-, state- and input-side operands while this kernel runs. Both instructions are no-ops
//   when the launch did not ask for programmatic serialization.
#pragma once

#include <type_traits>

#include "../common/mmaSync.cuh"
#include "xlstmCommon.cuh"

#ifndef KVSIM_SLSTM_MMA_MIN_BATCH
#define KVSIM_SLSTM_MMA_MIN_BATCH 16
#endif

namespace kvsim_xlstm {

// Below this batch the CUDA-core kernel (slstmRecurrentKernel) runs: with a 64-row M tile most
// of the tensor-core work would be padding and both kernels are bound by reading R once.
// Override at build time (-DKVSIM_SLSTM_MMA_MIN_BATCH=n) to time the two side by side.
constexpr int kSlMmaMinBatch = KVSIM_SLSTM_MMA_MIN_BATCH;
constexpr int kSlMmaBM = 64;       // requests per block
constexpr int kSlMmaBN = 128;      // output units (of one gate) per block
constexpr int kSlMmaBK = 64;       // k rows per pipeline stage
constexpr int kSlMmaStages = 3;
constexpr int kSlMmaThreads = 256;
constexpr int kSlMmaTargetBlocks = 128;  // about one block per SM of an H100 (132)
constexpr int kSlMmaPfChunks = 8;        // kNew: R chunks prefetched into L2 ahead (128 KB/block)

// Programmatic dependent launch and L2 prefetch (PTX ISA 7.8, sm_90).
__device__ __forceinline__ void slGridDepWait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;\n" ::: "memory");
#endif
}
__device__ __forceinline__ void slGridDepLaunch() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;\n" ::: "memory");
#endif
}
__device__ __forceinline__ void slPrefetchL2(const void* p) {
  asm volatile("prefetch.global.L2 [%0];\n" ::"l"(p));
}

struct SlMmaPlan {
  int groups, colTiles, kSplits, kLen;  // kLen: k rows per split, a multiple of kSlMmaBK
};

// Depends on sizes only (workspace sizing must agree with the launch on any device).
inline SlMmaPlan slMmaPlan(int batch, int heads, int dh) {
  SlMmaPlan p;
  p.groups = (batch + kSlMmaBM - 1) / kSlMmaBM;
  p.colTiles = (dh + kSlMmaBN - 1) / kSlMmaBN;
  const long base = 4L * p.colTiles * heads * p.groups;
  int ks = 1;
  // Split only while each split keeps >= 2 chunks (the pipeline needs something to overlap).
  while (base * ks < kSlMmaTargetBlocks && (dh + 2 * ks - 1) / (2 * ks) >= 2 * kSlMmaBK) ks *= 2;
  p.kLen = ((dh + ks - 1) / ks + kSlMmaBK - 1) / kSlMmaBK * kSlMmaBK;
  // Rounding kLen up to whole chunks can leave the last splits without rows (dh 520..576 with
  // ks = 4: kLen 192, split 3 would start at 576): count only the splits that have rows, so no
  // block writes all-zero partials and the gate kernel does not sum them.
  p.kSplits = (dh + p.kLen - 1) / p.kLen;
  return p;
}

template <typename TIn, typename TState>
struct SlMmaTraits {
  // A (h) straight from the cp.async stage: h is already in R's type.
  static constexpr bool kDirect = std::is_same<TIn, TState>::value;
  // fp32 h: two mmas (hi + lo).
  static constexpr bool kSplit = std::is_same<TState, float>::value;
  static constexpr int kRBytes = kSlMmaBK * kSlMmaBN * 2;                  // 16 KB
  static constexpr int kHRawBytes = kSlMmaBM * kSlMmaBK * (int)sizeof(TState);
  static constexpr int kStageBytes = kRBytes + kHRawBytes;
  static constexpr int kHTileBytes = kSlMmaBM * kSlMmaBK * 2;              // one 16-bit h tile
  static constexpr int kSmemBytes =
      kSlMmaStages * kStageBytes + (kDirect ? 0 : (kSplit ? 2 : 1) * kHTileBytes);
};

// mma.sync, ldmatrix, shared addresses and packing: ../common/mmaSync.cuh (shared with attention).
using kvsim::Elem;
using kvsim::ldmatrixX4;
using kvsim::ldmatrixX4Trans;
using kvsim::mma16816;
using kvsim::smemAddr;

// Byte offset of 16-byte chunk `chunk` of row `row` in a tile with `rowBytes`-byte rows. The low
// 3 chunk bits are XORed with the row, so the 8 rows one ldmatrix 8x8 reads (same logical
// chunk) land in 8 different 16-byte bank groups.
__device__ __forceinline__ int slSwz(int row, int chunk, int rowBytes) {
  return row * rowBytes + ((chunk ^ (row & 7)) << 4);
}

// One block's share of the product: block (group, gate * colTiles + colTile, ks * heads + head) of the
// grid (groups, 4 * colTiles, heads * kSplits), kSlMmaThreads threads, SlMmaTraits::kSmemBytes of
// shared memory at slSm. Writes ws[ks][b][g][head][j] for this block's b < batch, j < dh; over the
// grid, every element of the workspace the gating reads with kSplits = p.kSplits. A device function
// so that the cooperative variant (slstmStep.cu) runs the same code before its grid barrier.
// kEarlySlots (variant new-early, with kNew): the h rows' slot indices are loaded before the
// programmatic-dependent-launch wait instead of after it. Run 8's profile of `new` (H100, B=64) had
// 20 % of the product kernel's stall samples on the compare of those slots, a dependent global round
// trip between the wait and the first h/R copies; the slots are host-written inputs (no kernel of the
// step writes them), so reading them while the previous kernel finishes is safe.
template <typename TIn, typename TState, bool kNew, bool kEarlySlots = false>
__device__ __forceinline__ void slMmaProduct(const xlstm_slstm_step_args& a, const SlMmaPlan& p,
                                             unsigned char* slSm) {
  static_assert(kNew || !kEarlySlots, "new-early is new with the slot loads moved");
  using Tr = SlMmaTraits<TIn, TState>;
  const int H = a.heads, dh = a.headDim, B = a.batch;
  const int group = blockIdx.x;
  const int gate = blockIdx.y / p.colTiles, colTile = blockIdx.y % p.colTiles;
  const int head = blockIdx.z % H, ks = blockIdx.z / H;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int wm = warp >> 2, wn = warp & 3;  // warp tile: rows wm*32.., units wn*32..
  const int row0 = group * kSlMmaBM, col0 = colTile * kSlMmaBN;
  const int kBeg = ks * p.kLen, kEnd = min(kBeg + p.kLen, dh);
  const int nChunks = kEnd > kBeg ? (kEnd - kBeg + kSlMmaBK - 1) / kSlMmaBK : 0;

  // kNew: L2 prefetch of R rows [kBeg + c0 * BK, kBeg + c1 * BK) of this block's unit tile; row k
  // goes to the request group k % groups (the blocks sharing the tile split the requests).
  const int rowBytes = min(kSlMmaBN, dh - col0) * 2;
  auto prefetchChunks = [&](int c0, int c1) {
    const int r0 = kBeg + c0 * kSlMmaBK, r1 = min(kBeg + c1 * kSlMmaBK, kEnd);
    const char* base = reinterpret_cast<const char*>(a.R) +
                       (((size_t)head * 4 + gate) * dh * dh + col0) * 2;
    for (int k = r0 + tid; k < r1; k += kSlMmaThreads) {
      if (p.groups > 1 && k % p.groups != group) continue;
      // Every 128-byte line of the row's <= 256 bytes (2 lines, 3 when not line-aligned).
      const uintptr_t row = reinterpret_cast<uintptr_t>(base + (size_t)k * dh * 2);
      for (uintptr_t l = row >> 7; l <= (row + rowBytes - 1) >> 7; ++l)
        slPrefetchL2(reinterpret_cast<const void*>(l << 7));
    }
  };
  // Loader roles, fixed across chunks. R: 64 rows x 16 chunks of 16 B, 4 per thread.
  // h: 64 rows x (BK * sizeof(TState) / 16) chunks, 2 or 4 per thread.
  constexpr int kHChunksPerRow = kSlMmaBK * (int)sizeof(TState) / 16;  // 16 (fp32) or 8
  constexpr int kHPerThread = kSlMmaBM * kHChunksPerRow / kSlMmaThreads;
  constexpr int kHElemsPerChunk = 16 / (int)sizeof(TState);
  const TState* hRow[kHPerThread];
  bool hOk[kHPerThread];
  auto loadSlots = [&] {
#pragma unroll
    for (int i = 0; i < kHPerThread; ++i) {
      const int item = tid + i * kSlMmaThreads, r = item / kHChunksPerRow;
      const int b = row0 + r;
      int s = -1;
      if (b < B) {
        if constexpr (kNew) s = __ldcg(a.slots + b);  // L2: a PDL launch overlaps the previous kernel
        else s = a.slots[b];
      }
      hOk[i] = s >= 0 && s < a.state.numSlots;
      hRow[i] = reinterpret_cast<const TState*>(a.state.h) +
                ((size_t)(hOk[i] ? s : 0) * H + head) * dh + (item % kHChunksPerRow) * kHElemsPerChunk;
    }
  };
  if constexpr (kEarlySlots) loadSlots();
  if constexpr (kNew) {
    prefetchChunks(0, min(nChunks, kSlMmaPfChunks));
    slGridDepWait();    // the previous kernel (e.g. the last step's gate kernel writing h) is done
    slGridDepLaunch();  // the gate kernel may start its prologue
  }

  if constexpr (!kEarlySlots) loadSlots();
  const TIn* Rg = reinterpret_cast<const TIn*>(a.R) + ((size_t)head * 4 + gate) * dh * dh + col0;

  auto loadChunk = [&](int c, int stage) {
    unsigned char* st = slSm + stage * Tr::kStageBytes;
    const int kc = kBeg + c * kSlMmaBK;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int item = tid + i * kSlMmaThreads, kr = item >> 4, q = item & 15;
      const bool ok = kc + kr < kEnd && col0 + q * 8 < dh;
      const TIn* src = ok ? Rg + (size_t)(kc + kr) * dh + q * 8 : Rg;
      cpAsync16(st + slSwz(kr, q, kSlMmaBN * 2), src, ok);
    }
    unsigned char* hs = st + Tr::kRBytes;
#pragma unroll
    for (int i = 0; i < kHPerThread; ++i) {
      const int item = tid + i * kSlMmaThreads, r = item / kHChunksPerRow,
                q = item % kHChunksPerRow;
      const bool ok = hOk[i] && kc + q * kHElemsPerChunk < kEnd;
      const TState* src = ok ? hRow[i] + kc : hRow[i];
      // Direct: the stage is the A tile itself (128-byte rows, swizzled for ldmatrix).
      // Otherwise plain rows; the conversion pass reads them linearly.
      const int off = Tr::kDirect ? slSwz(r, q, kSlMmaBK * 2) : item * 16;
      cpAsync16(hs + off, src, ok);
    }
  };

  float acc[2][4][4];
#pragma unroll
  for (int mi = 0; mi < 2; ++mi)
#pragma unroll
    for (int ni = 0; ni < 4; ++ni)
#pragma unroll
      for (int e = 0; e < 4; ++e) acc[mi][ni][e] = 0.0f;
  // M tiles wholly past the batch do no work (e.g. batch 16: one of four).
  const bool mOn0 = row0 + wm * 32 < B, mOn1 = row0 + wm * 32 + 16 < B;

  unsigned char* hHi = slSm + kSlMmaStages * Tr::kStageBytes;
  unsigned char* hLo = hHi + Tr::kHTileBytes;

#pragma unroll
  for (int s = 0; s < kSlMmaStages - 1; ++s) {
    if (s < nChunks) loadChunk(s, s);
    cpAsyncCommit();
  }
  for (int c = 0; c < nChunks; ++c) {
    cpAsyncWait<kSlMmaStages - 2>();
    // Chunk c is in; every warp is done with chunk c-1 (its stage is reloaded next, and the
    // hi/lo tiles are rewritten next).
    __syncthreads();
    if (c + kSlMmaStages - 1 < nChunks)
      loadChunk(c + kSlMmaStages - 1, (c + kSlMmaStages - 1) % kSlMmaStages);
    cpAsyncCommit();  // an empty group at the tail keeps the wait count uniform
    if constexpr (kNew) {
      if (c + kSlMmaPfChunks < nChunks) prefetchChunks(c + kSlMmaPfChunks, c + kSlMmaPfChunks + 1);
    }
    const unsigned char* st = slSm + (c % kSlMmaStages) * Tr::kStageBytes;
    const unsigned char* aTile = st + Tr::kRBytes;
    if constexpr (!Tr::kDirect) {
      // Round this chunk's h into R's type once per block (not once per warp): 16-byte pieces
      // of a row (4 fp32 or 8 bf16) -> 8 or 16 bytes of hi (and lo).
      const unsigned char* raw = st + Tr::kRBytes;
#pragma unroll
      for (int i = 0; i < kHPerThread; ++i) {
        const int item = tid + i * kSlMmaThreads, r = item / kHChunksPerRow,
                  q = item % kHChunksPerRow;
        const uint4 v = *reinterpret_cast<const uint4*>(raw + item * 16);
        if constexpr (std::is_same<TState, float>::value) {
          const float f[4] = {__uint_as_float(v.x), __uint_as_float(v.y), __uint_as_float(v.z),
                              __uint_as_float(v.w)};
          const uint32_t h01 = Elem<TIn>::pack(f[0], f[1]), h23 = Elem<TIn>::pack(f[2], f[3]);
          const float2 b01 = Elem<TIn>::unpack(h01), b23 = Elem<TIn>::unpack(h23);
          const uint32_t l01 = Elem<TIn>::pack(f[0] - b01.x, f[1] - b01.y);
          const uint32_t l23 = Elem<TIn>::pack(f[2] - b23.x, f[3] - b23.y);
          // 4 elements = half of a 16-byte chunk of the 128-byte A row.
          const int off = slSwz(r, q >> 1, kSlMmaBK * 2) + (q & 1) * 8;
          *reinterpret_cast<uint2*>(hHi + off) = make_uint2(h01, h23);
          *reinterpret_cast<uint2*>(hLo + off) = make_uint2(l01, l23);
        } else {  // bf16 h, f16 R: convert only
          const float2 f0 = Elem<__nv_bfloat16>::unpack(v.x), f1 = Elem<__nv_bfloat16>::unpack(v.y),
                       f2 = Elem<__nv_bfloat16>::unpack(v.z), f3 = Elem<__nv_bfloat16>::unpack(v.w);
          *reinterpret_cast<uint4*>(hHi + slSwz(r, q, kSlMmaBK * 2)) =
              make_uint4(Elem<TIn>::pack(f0.x, f0.y), Elem<TIn>::pack(f1.x, f1.y),
                         Elem<TIn>::pack(f2.x, f2.y), Elem<TIn>::pack(f3.x, f3.y));
        }
      }
      __syncthreads();
      aTile = hHi;
    }
    const uint32_t aBase = smemAddr(aTile), rBase = smemAddr(st);
    const uint32_t loBase = smemAddr(hLo);
#pragma unroll
    for (int kk = 0; kk < kSlMmaBK / 16; ++kk) {
      // B fragments for the warp's 4 n-tiles: k rows kk*16 + (lane & 15), unit chunk per half.
      uint32_t bf[4][2];
#pragma unroll
      for (int np = 0; np < 2; ++np) {
        const int kr = kk * 16 + (lane & 15), q = wn * 4 + np * 2 + (lane >> 4);
        uint32_t r4[4];
        ldmatrixX4Trans(r4, rBase + slSwz(kr, q, kSlMmaBN * 2));
        bf[np * 2][0] = r4[0]; bf[np * 2][1] = r4[1];
        bf[np * 2 + 1][0] = r4[2]; bf[np * 2 + 1][1] = r4[3];
      }
#pragma unroll
      for (int mi = 0; mi < 2; ++mi) {
        if (!(mi == 0 ? mOn0 : mOn1)) continue;
        const int r = wm * 32 + mi * 16 + (lane & 15), q = kk * 2 + (lane >> 4);
        const int off = slSwz(r, q, kSlMmaBK * 2);
        uint32_t af[4];
        ldmatrixX4(af, aBase + off);
#pragma unroll
        for (int ni = 0; ni < 4; ++ni) mma16816<TIn>(acc[mi][ni], af, bf[ni][0], bf[ni][1]);
        if constexpr (Tr::kSplit) {
          ldmatrixX4(af, loBase + off);
#pragma unroll
          for (int ni = 0; ni < 4; ++ni) mma16816<TIn>(acc[mi][ni], af, bf[ni][0], bf[ni][1]);
        }
      }
    }
  }
  cpAsyncWait<0>();

  // Fragment c0,c1: row lane/4, units 2*(lane%4) +0/1; c2,c3: row + 8.
  float* ws = static_cast<float*>(a.workspace);
#pragma unroll
  for (int mi = 0; mi < 2; ++mi)
#pragma unroll
    for (int hv = 0; hv < 2; ++hv) {
      const int b = row0 + wm * 32 + mi * 16 + (lane >> 2) + hv * 8;
      if (b >= B) continue;
      float* dst = ws + ((((size_t)ks * B + b) * 4 + gate) * H + head) * dh;
#pragma unroll
      for (int ni = 0; ni < 4; ++ni) {
        const int j = col0 + wn * 32 + ni * 8 + 2 * (lane & 3);
        if (j < dh)  // dh % 8 == 0: j < dh implies j + 1 < dh
          *reinterpret_cast<float2*>(dst + j) =
              make_float2(acc[mi][ni][hv * 2], acc[mi][ni][hv * 2 + 1]);
      }
    }
}

// grid (groups, 4 * colTiles, heads * kSplits), kSlMmaThreads threads, SlMmaTraits::kSmemBytes.
template <typename TIn, typename TState, bool kNew, bool kEarlySlots = false>
__global__ void __launch_bounds__(kSlMmaThreads, 2)
    slstmRecurrentMmaKernel(const xlstm_slstm_step_args a, SlMmaPlan p) {
  extern __shared__ __align__(128) unsigned char slSm[];
  slMmaProduct<TIn, TState, kNew, kEarlySlots>(a, p, slSm);
}

}  // namespace kvsim_xlstm
