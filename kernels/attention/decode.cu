// Decode attention (one query token per request), contiguous or paged KV, split over the context
// (flash-decoding) with a reduction kernel. Memory-bound: the design goal is to keep HBM busy.
//
// One CTA = (request, KV head, row tile of up to 16 query heads of that KV head's group, split).
// All query heads of the group share every K/V byte read (GQA reuse): they are the 16 rows of an
// m16n8k16 tensor-core tile (rows past the group size are zero and discarded; the tensor cores
// have throughput to spare here, and this keeps the instruction count per byte low).
// K/V tiles of 64 tokens stream through a 3-stage cp.async pipeline (16-byte loads, two tiles in
// flight per CTA, two CTAs per SM); each of the 4 warps takes 16 tokens of a tile with its own
// online-softmax state, and the warps are merged through shared memory at the end.
#include <cuda_runtime.h>
#include <math.h>

#include <algorithm>

#include "attention.h"
#include "common.cuh"
#include "validate.h"

namespace kvsim {
namespace {

constexpr int kTile = 64;
constexpr int kStages = 3;
constexpr int kWarps = 4;
constexpr int kThreads = kWarps * 32;
constexpr int kMinSplitTokens = 256;
constexpr int kMaxAutoSplits = 64;
constexpr long long kMaxAutoWaves = 16;

struct DecodeParams {
  const void* q;
  void* out;
  const int32_t* contextLens;
  float* wsO;   // [batch][numQHeads][numSplits][D] normalized partial outputs
  float* wsLse; // [batch][numQHeads][numSplits] log2-sum-exp of each split
  int numQHeads;
  int group; // query heads per KV head
  int rowTiles;
  int numSplits;
  int splitTokens;
  float scaleLog2;
};

template <int D> constexpr size_t decodeSmemBytes() {
  return (size_t)(16 * D + 2 * kStages * kTile * D) * 2;
}

template <typename T, int D, class Kv>
__global__ void __launch_bounds__(kThreads, 2) decodeKernel(DecodeParams p, Kv kv) {
  constexpr int kChunks = D / 8;
  constexpr int kRowStep = kThreads / kChunks;
  constexpr int kRowsPerThread = kTile / kRowStep;
  extern __shared__ uint4 smemRaw[];
  T* sQ = reinterpret_cast<T*>(smemRaw);
  T* sK = sQ + 16 * D;
  T* sV = sK + kStages * kTile * D;

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int split = blockIdx.x, req = blockIdx.z;
  const int hkv = blockIdx.y / p.rowTiles, rowTile = blockIdx.y % p.rowTiles;
  const int ctx = p.contextLens[req];
  const int begin = split * p.splitTokens;
  if (begin >= ctx && split > 0) return;
  const int end = min(ctx, begin + p.splitTokens);
  const int nSplitsReq = max(1, (ctx + p.splitTokens - 1) / p.splitTokens);
  const int qHead0 = hkv * p.group + rowTile * 16;
  const int rows = min(16, p.group - rowTile * 16);

  const T* q = reinterpret_cast<const T*>(p.q) + ((long long)req * p.numQHeads + qHead0) * D;
  for (int i = tid; i < 16 * kChunks; i += kThreads) {
    int r = i / kChunks, c = i % kChunks;
    uint4 val = make_uint4(0, 0, 0, 0);
    if (r < rows) val = *reinterpret_cast<const uint4*>(q + (long long)r * D + c * 8);
    *reinterpret_cast<uint4*>(sQ + swz<D>(r, c)) = val;
  }

  const auto rq = kv.template forRequest<T>(req, hkv, D);
  const int nTiles = max(0, (end - begin + kTile - 1) / kTile);
  const int c = tid % kChunks;
  // Each thread copies one 16-byte chunk column of kRowsPerThread consecutive tokens (aligned, so
  // with blocks of >= 8 tokens they share one block). The block number is fetched one tile before
  // its copy is issued, so the block-table latency hides behind a tile of compute (paged only).
  const int r0 = (tid / kChunks) * kRowsPerThread;
  int blk = 0;
  auto lookupTile = [&](int tile) {
    const int tok = begin + tile * kTile + r0;
    blk = tok < end ? rq.lookup(tok) : 0;
  };
  auto loadTile = [&](int tile, int stage) {
    const int t0 = begin + tile * kTile;
    // One offset per tile: the thread's rows are consecutive tokens of one block (or slot).
    const int tok0 = t0 + r0;
    const long long off0 = tok0 < end ? rq.offset(tok0, blk) : 0;
#pragma unroll
    for (int j = 0; j < kRowsPerThread; ++j) {
      const int r = r0 + j;
      const int tok = tok0 + j;
      const bool ok = tok < end;
      const long long off = ok ? off0 + (long long)j * rq.rowElems : 0;
      cpAsync16(smemAddr(sK + stage * kTile * D + swz<D>(r, c)), rq.k + off + c * 8, ok ? 16 : 0);
      cpAsync16(smemAddr(sV + stage * kTile * D + swz<D>(r, c)), rq.v + off + c * 8, ok ? 16 : 0);
    }
  };
#pragma unroll
  for (int s = 0; s < kStages - 1; ++s) {
    if (s < nTiles) {
      lookupTile(s);
      loadTile(s, s);
    }
    cpAsyncCommit();
  }
  if (kStages - 1 < nTiles) lookupTile(kStages - 1);
  __syncthreads();

  uint32_t qf[D / 16][4];
#pragma unroll
  for (int kk = 0; kk < D / 16; ++kk) ldmatrixX4(qf[kk], smemAddr(sQ + swz<D>(lane & 15, 2 * kk + (lane >> 4))));

  float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.f, 0.f};
  float o[D / 8][4];
#pragma unroll
  for (int n = 0; n < D / 8; ++n) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.f;

  for (int tile = 0; tile < nTiles; ++tile) {
    cpAsyncWait<kStages - 2>();
    __syncthreads();
    {
      const int nxt = tile + kStages - 1;
      if (nxt < nTiles) loadTile(nxt, nxt % kStages);
      cpAsyncCommit();
      if (nxt + 1 < nTiles) lookupTile(nxt + 1);
    }
    const T* k = sK + (tile % kStages) * kTile * D;
    const T* v = sV + (tile % kStages) * kTile * D;
    float s[2][4] = {{0.f, 0.f, 0.f, 0.f}, {0.f, 0.f, 0.f, 0.f}};
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t b[4];
      ldmatrixX4(b, smemAddr(k + swz<D>(warp * 16 + (lane & 7) + ((lane >> 4) << 3), 2 * kk + ((lane >> 3) & 1))));
      mma16816<T>(s[0], qf[kk], b[0], b[1]);
      mma16816<T>(s[1], qf[kk], b[2], b[3]);
    }
    const int tokBase = begin + tile * kTile + warp * 16 + 2 * (lane & 3);
#pragma unroll
    for (int j = 0; j < 2; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) s[j][e] = (tokBase + j * 8 + (e & 1) < end) ? s[j][e] : -INFINITY;

    float mx[2] = {fmaxf(fmaxf(s[0][0], s[0][1]), fmaxf(s[1][0], s[1][1])),
                   fmaxf(fmaxf(s[0][2], s[0][3]), fmaxf(s[1][2], s[1][3]))};
    float corr[2];
#pragma unroll
    for (int r = 0; r < 2; ++r) {
      mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 1));
      mx[r] = fmaxf(mx[r], __shfl_xor_sync(0xffffffffu, mx[r], 2));
      // m is kept in log2 units (score * scale * log2 e); the scale folds into one FFMA per score.
      const float mNew = fmaxf(m[r], mx[r] * p.scaleLog2);
      const float mUse = mNew == -INFINITY ? 0.f : mNew;
      corr[r] = fastExp2(m[r] - mUse);
      m[r] = mNew;
#pragma unroll
      for (int j = 0; j < 2; ++j) {
        s[j][2 * r] = fastExp2(fmaf(s[j][2 * r], p.scaleLog2, -mUse));
        s[j][2 * r + 1] = fastExp2(fmaf(s[j][2 * r + 1], p.scaleLog2, -mUse));
      }
      l[r] = l[r] * corr[r] + s[0][2 * r] + s[0][2 * r + 1] + s[1][2 * r] + s[1][2 * r + 1];
    }
#pragma unroll
    for (int n = 0; n < D / 8; ++n) {
      o[n][0] *= corr[0];
      o[n][1] *= corr[0];
      o[n][2] *= corr[1];
      o[n][3] *= corr[1];
    }
    const uint32_t pa[4] = {Elem<T>::pack(s[0][0], s[0][1]), Elem<T>::pack(s[0][2], s[0][3]),
                            Elem<T>::pack(s[1][0], s[1][1]), Elem<T>::pack(s[1][2], s[1][3])};
#pragma unroll
    for (int nn = 0; nn < D / 16; ++nn) {
      uint32_t b[4];
      ldmatrixX4Trans(b, smemAddr(v + swz<D>(warp * 16 + (lane & 7) + (((lane >> 3) & 1) << 3), 2 * nn + (lane >> 4))));
      mma16816<T>(o[2 * nn], pa, b[0], b[1]);
      mma16816<T>(o[2 * nn + 1], pa, b[2], b[3]);
    }
  }
  cpAsyncWait<0>();
  __syncthreads();

  // Merge the 4 warps' states through shared memory (the pipeline buffers are free now).
  float* sO = reinterpret_cast<float*>(sK);      // [kWarps][16][D]
  float* sM = sO + kWarps * 16 * D;              // [kWarps][16]
  float* sL = sM + kWarps * 16;                  // [kWarps][16]
  const int g = lane >> 2, t = lane & 3;
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    l[r] += __shfl_xor_sync(0xffffffffu, l[r], 1);
    l[r] += __shfl_xor_sync(0xffffffffu, l[r], 2);
  }
  if (t == 0) {
    sM[warp * 16 + g] = m[0];
    sM[warp * 16 + g + 8] = m[1];
    sL[warp * 16 + g] = l[0];
    sL[warp * 16 + g + 8] = l[1];
  }
#pragma unroll
  for (int n = 0; n < D / 8; ++n) {
    float* row0 = sO + (warp * 16 + g) * D + n * 8 + 2 * t;
    float* row1 = row0 + 8 * D;
    row0[0] = o[n][0];
    row0[1] = o[n][1];
    row1[0] = o[n][2];
    row1[1] = o[n][3];
  }
  __syncthreads();

  for (int i = tid; i < rows * D; i += kThreads) {
    const int r = i / D, col = i % D;
    float mAll = -INFINITY;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) mAll = fmaxf(mAll, sM[w * 16 + r]);
    float acc = 0.f, lAll = 0.f;
    if (mAll != -INFINITY) {
#pragma unroll
      for (int w = 0; w < kWarps; ++w) {
        const float f = fastExp2(sM[w * 16 + r] - mAll);
        acc += f * sO[(w * 16 + r) * D + col];
        lAll += f * sL[w * 16 + r];
      }
    }
    const float val = lAll > 0.f ? acc / lAll : 0.f;
    const long long qh = (long long)req * p.numQHeads + qHead0 + r;
    if (nSplitsReq == 1) {
      reinterpret_cast<T*>(p.out)[qh * D + col] = T(val);
    } else {
      p.wsO[(qh * p.numSplits + split) * D + col] = val;
      if (col == 0) p.wsLse[qh * p.numSplits + split] = lAll > 0.f ? mAll + __log2f(lAll) : -INFINITY;
    }
  }
}

// Combines the splits of each (request, query head): weights 2^(lse_s - max lse).
template <typename T, int D>
__global__ void __launch_bounds__(128) decodeReduceKernel(DecodeParams p) {
  const int req = blockIdx.y, head = blockIdx.x;
  const int ctx = p.contextLens[req];
  const int nS = (ctx + p.splitTokens - 1) / p.splitTokens;
  if (nS <= 1) return;
  const long long qh = (long long)req * p.numQHeads + head;
  const float* lse = p.wsLse + qh * p.numSplits;
  float mx = -INFINITY;
  for (int s = 0; s < nS; ++s) mx = fmaxf(mx, lse[s]);
  for (int col = threadIdx.x; col < D; col += blockDim.x) {
    float acc = 0.f, w = 0.f;
    for (int s = 0; s < nS; ++s) {
      const float f = mx == -INFINITY ? 0.f : fastExp2(lse[s] - mx);
      acc += f * p.wsO[(qh * p.numSplits + s) * D + col];
      w += f;
    }
    reinterpret_cast<T*>(p.out)[qh * D + col] = T(w > 0.f ? acc / w : 0.f);
  }
}

int numSms() {
  static int cached = 0;
  if (!cached) {
    int dev = 0;
    cudaGetDevice(&dev);
    if (cudaDeviceGetAttribute(&cached, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess || cached <= 0)
      cached = 132;
  }
  return cached;
}

template <typename T, int D> int decodeCtasPerSm() {
  static int cached = 0;
  if (!cached) {
    constexpr size_t smem = decodeSmemBytes<D>();
    cudaFuncSetAttribute(decodeKernel<T, D, ContiguousKv>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
    if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&cached, decodeKernel<T, D, ContiguousKv>, kThreads, smem) !=
            cudaSuccess ||
        cached <= 0)
      cached = 2;
  }
  return cached;
}

int splitTokensFor(int maxContextLen, int numSplits) {
  int per = (maxContextLen + numSplits - 1) / numSplits;
  return max(kTile, (per + kTile - 1) / kTile * kTile);
}

template <typename T, int D, class Kv>
int launchDecode(const DecodeParams& p, const Kv& kv, int batch, int numKvHeads, cudaStream_t stream) {
  constexpr size_t smem = decodeSmemBytes<D>();
  static bool configured = false;
  if (!configured) {
    cudaError_t e = cudaFuncSetAttribute(decodeKernel<T, D, Kv>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
    if (e != cudaSuccess) return (int)e;
    configured = true;
  }
  dim3 grid(p.numSplits, numKvHeads * p.rowTiles, batch);
  decodeKernel<T, D, Kv><<<grid, kThreads, smem, stream>>>(p, kv);
  if (p.numSplits > 1) decodeReduceKernel<T, D><<<dim3(p.numQHeads, batch), 128, 0, stream>>>(p);
  return (int)cudaGetLastError();
}

template <typename T, int D>
int dispatchLayout(const DecodeParams& p, const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv, int batch,
                   cudaStream_t stream) {
  if (kv->layout == KVSIM_KV_CONTIGUOUS) return launchDecode<T, D>(p, contiguousKvOf(s, kv), batch, s->numKvHeads, stream);
  return launchDecode<T, D>(p, pagedKvOf(s, kv), batch, s->numKvHeads, stream);
}

} // namespace
} // namespace kvsim

using namespace kvsim;

extern "C" int32_t kvsim_attn_decode_auto_splits(const kvsim_attn_shape_t* shape, int32_t batch,
                                                 int32_t maxContextLen) {
  if (checkShape(shape) != KVSIM_ATTN_OK || batch <= 0 || maxContextLen <= 0) return 1;
  const int group = shape->numQHeads / shape->numKvHeads;
  const long long ctas = (long long)batch * shape->numKvHeads * ((group + 15) / 16);
  const bool bf16 = shape->dtype == KVSIM_DTYPE_BF16;
  const int perSm = shape->headDim == 64 ? (bf16 ? decodeCtasPerSm<__nv_bfloat16, 64>() : decodeCtasPerSm<__half, 64>())
                                         : (bf16 ? decodeCtasPerSm<__nv_bfloat16, 128>() : decodeCtasPerSm<__half, 128>());
  const double slots = (double)perSm * numSms();
  // Equal-length CTAs run in waves of `slots`; a last wave that is mostly empty wastes the HBM
  // bandwidth of the idle SMs (measured on H100: 8x32768 at 9 splits = 2.2 waves ran 6% slower
  // than at 4 splits = 0.97 wave). Take the fewest splits whose waves are >= 90% full, else the
  // best-filled; never splits shorter than kMinSplitTokens (the merge would cost more).
  const int maxSplits = max(1, min(kMaxAutoSplits, (maxContextLen + kMinSplitTokens - 1) / kMinSplitTokens));
  int best = 1;
  double bestFill = 0;
  for (int s = 1; s <= maxSplits; ++s) {
    // Bounded so that kvsim_attn_decode_workspace_bytes(..., 0) can size one workspace for all calls.
    if (s > 1 && ctas * s > kMaxAutoWaves * slots) break;
    const int st = splitTokensFor(maxContextLen, s);
    const int real = (maxContextLen + st - 1) / st;
    if (real != s) continue; // rounds to the same tile count as a smaller split
    const double waves = ctas * s / slots;
    const double fill = waves / ceil(waves);
    if (fill >= 0.9) return s;
    if (fill > bestFill + 1e-9) {
      bestFill = fill;
      best = s;
    }
  }
  return best;
}

extern "C" size_t kvsim_attn_decode_workspace_bytes(const kvsim_attn_shape_t* shape, int32_t batch,
                                                   int32_t maxContextLen, int32_t numSplits) {
  if (checkShape(shape) != KVSIM_ATTN_OK || batch <= 0 || maxContextLen <= 0) return 0;
  const size_t perSplitRow = (size_t)shape->numQHeads * (shape->headDim + 1) * sizeof(float);
  if (numSplits <= 0) {
    // Auto splits: a bound valid for every call with batch and max context up to these values.
    // The heuristic never gives more than kMaxAutoWaves * slots CTAs when it splits at all.
    const int group = shape->numQHeads / shape->numKvHeads;
    const long long ctasPerRequest = (long long)shape->numKvHeads * ((group + 15) / 16);
    const bool bf16 = shape->dtype == KVSIM_DTYPE_BF16;
    const int perSm = shape->headDim == 64 ? (bf16 ? decodeCtasPerSm<__nv_bfloat16, 64>() : decodeCtasPerSm<__half, 64>())
                                           : (bf16 ? decodeCtasPerSm<__nv_bfloat16, 128>() : decodeCtasPerSm<__half, 128>());
    const long long maxSplits = max(1, min(kMaxAutoSplits, (maxContextLen + kMinSplitTokens - 1) / kMinSplitTokens));
    if (maxSplits <= 1) return 0;
    const long long rowsBound = kMaxAutoWaves * perSm * numSms() / ctasPerRequest; // batch * splits
    return (size_t)std::min((long long)batch * maxSplits, std::max(rowsBound, 2LL)) * perSplitRow;
  }
  const int st = splitTokensFor(maxContextLen, numSplits);
  numSplits = (maxContextLen + st - 1) / st;
  if (numSplits <= 1) return 0;
  return (size_t)batch * numSplits * perSplitRow;
}

extern "C" int kvsim_attn_decode(const kvsim_attn_shape_t* shape, const kvsim_kv_cache_t* kv, const void* q,
                                 void* out, const int32_t* contextLens, int32_t batch, int32_t maxContextLen,
                                 int32_t numSplits, void* workspace, size_t workspaceBytes, void* stream) {
  int rc = checkShape(shape);
  if (rc != KVSIM_ATTN_OK) return rc;
  if ((rc = checkKv(shape, kv)) != KVSIM_ATTN_OK) return rc;
  if (!q || !out || !contextLens || batch <= 0 || maxContextLen <= 0) return KVSIM_ATTN_EINVAL;
  if (numSplits <= 0) numSplits = kvsim_attn_decode_auto_splits(shape, batch, maxContextLen);
  const int splitTokens = splitTokensFor(maxContextLen, numSplits);
  numSplits = (maxContextLen + splitTokens - 1) / splitTokens;
  const size_t need = kvsim_attn_decode_workspace_bytes(shape, batch, maxContextLen, numSplits);
  if (need > 0 && (!workspace || workspaceBytes < need)) return KVSIM_ATTN_EWORKSPACE;

  DecodeParams p;
  p.q = q;
  p.out = out;
  p.contextLens = contextLens;
  p.numQHeads = shape->numQHeads;
  p.group = shape->numQHeads / shape->numKvHeads;
  p.rowTiles = (p.group + 15) / 16;
  p.numSplits = numSplits;
  p.splitTokens = splitTokens;
  p.wsO = static_cast<float*>(workspace);
  p.wsLse = p.wsO + (size_t)batch * shape->numQHeads * numSplits * shape->headDim;
  p.scaleLog2 = shape->softmaxScale * 1.4426950408889634f;
  cudaStream_t st = static_cast<cudaStream_t>(stream);
  const bool bf16 = shape->dtype == KVSIM_DTYPE_BF16;
  if (shape->headDim == 64)
    return bf16 ? dispatchLayout<__nv_bfloat16, 64>(p, shape, kv, batch, st) : dispatchLayout<__half, 64>(p, shape, kv, batch, st);
  return bf16 ? dispatchLayout<__nv_bfloat16, 128>(p, shape, kv, batch, st) : dispatchLayout<__half, 128>(p, shape, kv, batch, st);
}

extern "C" const char* kvsim_attn_error_string(int code) {
  switch (code) {
    case KVSIM_ATTN_OK: return "ok";
    case KVSIM_ATTN_EINVAL: return "invalid argument (null pointer or non-positive size)";
    case KVSIM_ATTN_EHEADDIM: return "unsupported head dim (expected 64 or 128)";
    case KVSIM_ATTN_EGQA: return "numQHeads must be a multiple of numKvHeads";
    case KVSIM_ATTN_EDTYPE: return "unknown dtype (expected f16 or bf16)";
    case KVSIM_ATTN_EBLOCKSIZE: return "paged block size must be a power of two in [8, 1024]";
    case KVSIM_ATTN_EWORKSPACE: return "decode workspace missing or too small";
    case KVSIM_ATTN_ELAYOUT: return "unknown KV layout or slot stride too small";
    default: return code > 0 ? cudaGetErrorString(static_cast<cudaError_t>(code)) : "unknown error";
  }
}
