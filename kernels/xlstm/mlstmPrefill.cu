// mLSTM chunkwise-parallel prefill on tensor cores (wmma 16x16x16, fp32 accumulation).
//
// One thread block per (request, head, 64-column tile of the state); it walks the sequence in
// chunks of 64 tokens, keeping its slice of C (dqk x 64, fp32) in accumulator fragments for the
// whole sequence. Per chunk, with b the cumulative log forget gate inside the chunk, m0 the
// incoming stabilizer and D[s][r] = b_s - b_r + i_r (r <= s):
//   m_s   = max(b_s + m0, max_r D[s][r])               (equals the step recurrence's m_t)
//   h_s   = (e^{b_s+m0-m_s} q_s C0 + sum_r e^{D-m_s} (q_s.k_r) v_r) / (max(|den_s|, e^{-m_s}) + eps)
//   den_s = e^{b_s+m0-m_s} q_s.n0 + sum_r e^{D-m_s} (q_s.k_r)
//   C    <- e^{b_L+m0-m_L} C + sum_r e^{b_L-b_r+i_r-m_L} k_r v_r^T   (n likewise)
// so the outputs and final state are the step recurrence's, not an approximation of it.
// Tiles of one (request, head) form a cluster: n and m are shared, and tile 0 may overwrite
// them only after every tile has read the incoming values.
// Precision: b reaches -960 at the end of a chunk (log f >= -15 after gateSoftCap = 15), while the
// exponents that matter are O(1) differences b_s - b_r of nearby tokens. An fp32 b carries a few
// ulps of 960 (~1e-4) of scan rounding into each such difference, a relative weight error that rows
// whose den nearly cancels amplify. So b is summed in double and kept as a float high part plus
// residual, and b_s - b_r is formed as (hi_s - hi_r) + (lo_s - lo_r): the first difference is exact
// where it cancels (Sterbenz), otherwise it is large (|b_s - b_r| >= |b_s| / 2) and its rounding is
// relative to itself. b_s + m0 is formed as (hi_s + m0) + lo_s alike.

#include <mma.h>
#include <string>

#include "xlstmCommon.cuh"
#include "xlstmInternal.h"

namespace kvsim_xlstm {

using namespace nvcuda;

constexpr int kChunk = 64;
constexpr int kTileCols = 64;
constexpr int kPfWarps = 8;
constexpr int kPfThreads = kPfWarps * 32;
constexpr int kPfMaxDqk = 256;
constexpr int kPfMaxTiles = 8;
constexpr int kAccMax = (kPfMaxDqk / 16) * (kTileCols / 16) / kPfWarps;  // C fragments per warp

struct PfLayout {
  int ldQ, ldV, ldP, ldS;
  size_t offQ, offK, offV, offCb, offP, offS, offS2, offScr, offN, offVecs, total;
};

// Byte offsets of the shared-memory regions, each 128-byte aligned (wmma needs 32).
__host__ __device__ inline PfLayout pfLayout(int dqk, int inBytes) {
  PfLayout L;
  L.ldQ = dqk + 8;  // +16 B per row: consecutive rows start in different banks
  L.ldV = kTileCols + 8;
  L.ldP = kChunk + 8;
  L.ldS = kTileCols + 4;
  RegionCarver rc(128);
  L.offQ = rc.take((size_t)kChunk * L.ldQ * inBytes);
  L.offK = rc.take((size_t)kChunk * L.ldQ * inBytes);
  L.offV = rc.take((size_t)kChunk * L.ldV * inBytes);
  L.offCb = rc.take((size_t)dqk * L.ldV * inBytes);
  L.offP = rc.take((size_t)kChunk * L.ldP * inBytes);
  L.offS = rc.take((size_t)kChunk * L.ldS * 4);
  L.offS2 = rc.take((size_t)kChunk * L.ldS * 4);
  L.offScr = rc.take((size_t)kPfWarps * 256 * 4);
  L.offN = rc.take((size_t)dqk * 4);
  L.offVecs = rc.take((size_t)8 * kChunk * 4);
  L.total = rc.end;
  return L;
}

// b_s - b_r from the split cumulative gates (see the precision note at the top): never rewritten as
// (hi_s + lo_s) - (hi_r + lo_r), which would round b back to fp32 first.
__device__ __forceinline__ float gateDiff(float hiS, float loS, float hiR, float loR) {
  return (hiS - hiR) + (loS - loR);
}

template <typename TIn, typename TState>
__global__ void __launch_bounds__(kPfThreads, 1)
    mlstmPrefillKernel(const xlstm_mlstm_prefill_args a) {
  extern __shared__ __align__(128) unsigned char smem[];
  const int tile = blockIdx.x, head = blockIdx.y, b = blockIdx.z;
  const int H = a.heads, dqk = a.dqk, dv = a.dv, S = a.seqLen;
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int col0 = tile * kTileCols;
  const int tileCols = min(kTileCols, dv - col0);
  const PfLayout L = pfLayout(dqk, (int)sizeof(TIn));
  TIn* hOut = reinterpret_cast<TIn*>(a.h);

  const int slot = a.slots[b];
  if (slot < 0 || slot >= a.state.numSlots) {
    const TIn nan = fromF<TIn>(__int_as_float(0x7fc00000));
    for (int idx = tid; idx < S * tileCols; idx += kPfThreads) {
      const int t = idx / tileCols, c = idx % tileCols;
      hOut[(((size_t)b * S + t) * H + head) * dv + col0 + c] = nan;
    }
    return;
  }

  TIn* sQ = reinterpret_cast<TIn*>(smem + L.offQ);
  TIn* sK = reinterpret_cast<TIn*>(smem + L.offK);
  TIn* sV = reinterpret_cast<TIn*>(smem + L.offV);
  TIn* sCb = reinterpret_cast<TIn*>(smem + L.offCb);
  TIn* sP = reinterpret_cast<TIn*>(smem + L.offP);
  float* sS = reinterpret_cast<float*>(smem + L.offS);    // S, then the inter-chunk term Q C
  float* sS2 = reinterpret_cast<float*>(smem + L.offS2);  // the intra-chunk term P V
  float* sScr = reinterpret_cast<float*>(smem + L.offScr) + warp * 256;
  float* sN = reinterpret_cast<float*>(smem + L.offN);
  float* vecs = reinterpret_cast<float*>(smem + L.offVecs);
  float* sB = vecs;                   // cumulative log forget gate b, rounded to fp32 (high part)
  float* sI = vecs + kChunk;          // input gate pre-activation (-inf on padding rows)
  float* sLF = vecs + 2 * kChunk;     // log forget gate, then (after the scan) b's residual:
  float* sBLo = sLF;                  //   b - sB, so that sB + sBLo is b to ~2^-48 relative
  float* sQn = vecs + 3 * kChunk;     // q_s . n0 (unscaled)
  float* sRowScale = vecs + 4 * kChunk;
  float* sDen = vecs + 5 * kChunk;    // final per-row divisor
  float* sW = vecs + 6 * kChunk;      // state-update weight per row
  float* sMisc = vecs + 7 * kChunk;   // [0] new m, [1] decay

  const size_t sh = (size_t)slot * H + head;
  float m0 = a.state.m[sh];
  const TState* nIn = reinterpret_cast<const TState*>(a.state.n) + sh * dqk;
  for (int i = tid; i < dqk; i += kPfThreads) sN[i] = toF(nIn[i]);

  // Load this tile of C into accumulator fragments (via a per-warp fp32 scratch tile, since the
  // fragment's element order is opaque).
  const int rowFrags = dqk / 16;
  const int accTotal = rowFrags * (kTileCols / 16);
  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[kAccMax];
  TState* Cg = reinterpret_cast<TState*>(a.state.C) + sh * (size_t)dqk * dv + col0;
#pragma unroll
  for (int j = 0; j < kAccMax; ++j) {
    const int f = warp + j * kPfWarps;
    if (f < accTotal) {
      const int rf = f / (kTileCols / 16), cf = f % (kTileCols / 16);
      for (int e = lane; e < 256; e += 32) {
        const int r = rf * 16 + e / 16, c = cf * 16 + e % 16;
        sScr[e] = c < tileCols ? toF(Cg[(size_t)r * dv + c]) : 0.0f;
      }
      __syncwarp();
      wmma::load_matrix_sync(acc[j], sScr, 16, wmma::mem_row_major);
      __syncwarp();
    }
  }
  clusterArrive();  // this block has read n and m
  __syncthreads();  // sN visible

  const float scale = rsqrtf((float)dqk);
  const int nChunks = (S + kChunk - 1) / kChunk;
  for (int ch = 0; ch < nChunks; ++ch) {
    const int t0 = ch * kChunk;
    const int len = min(kChunk, S - t0);

    // (a) C as a tensor-core operand (rounded to the input type).
#pragma unroll
    for (int j = 0; j < kAccMax; ++j) {
      const int f = warp + j * kPfWarps;
      if (f < accTotal) {
        const int rf = f / (kTileCols / 16), cf = f % (kTileCols / 16);
        wmma::store_matrix_sync(sScr, acc[j], 16, wmma::mem_row_major);
        __syncwarp();
        for (int e = lane; e < 256; e += 32)
          sCb[(rf * 16 + e / 16) * L.ldV + cf * 16 + e % 16] = fromF<TIn>(sScr[e]);
        __syncwarp();
      }
    }
    // (b) Q, K rows and the V tile as asynchronous 16-byte copies, all in flight at once (one
    // memory round trip per chunk instead of one per loop trip); rows past the end read as zero.
    const int vecPerRow = dqk / 8;
    for (int idx = tid; idx < kChunk * vecPerRow; idx += kPfThreads) {
      const int s = idx / vecPerRow, x = idx % vecPerRow;
      const bool ok = s < len;
      const size_t g = ok ? (((size_t)b * S + t0 + s) * H + head) * dqk + x * 8 : 0;
      cpAsync16(sQ + s * L.ldQ + x * 8, reinterpret_cast<const TIn*>(a.q) + g, ok);
      cpAsync16(sK + s * L.ldQ + x * 8, reinterpret_cast<const TIn*>(a.k) + g, ok);
    }
    for (int idx = tid; idx < kChunk * (kTileCols / 8); idx += kPfThreads) {
      const int s = idx / (kTileCols / 8), x = idx % (kTileCols / 8);
      const bool ok = s < len && x * 8 < tileCols;
      const size_t g = ok ? (((size_t)b * S + t0 + s) * H + head) * dv + col0 + x * 8 : 0;
      cpAsync16(sV + s * L.ldV + x * 8, reinterpret_cast<const TIn*>(a.v) + g, ok);
    }
    if (tid < kChunk) {
      float ip = -INFINITY, lf = 0.0f;
      if (tid < len) {
        const size_t g = ((size_t)b * S + t0 + tid) * H + head;
        ip = softCap(a.igatePre[g], a.gateSoftCap);
        lf = logSigmoid(softCap(a.fgatePre[g], a.gateSoftCap));
      }
      sI[tid] = ip;
      sLF[tid] = lf;
    }
    cpAsyncWaitAll();
    __syncthreads();

    // (c) cumulative log forget gate (one warp, inclusive scan in double, stored as high part +
    // residual; each lane overwrites only the two log forget gates it read) and q_s . n0.
    if (warp == 0) {
      const double x0 = sLF[2 * lane], x1 = sLF[2 * lane + 1];
      const double pair = x0 + x1;
      double incl = pair;
#pragma unroll
      for (int o = 1; o < 32; o <<= 1) {
        const double y = __shfl_up_sync(0xffffffffu, incl, o);
        if (lane >= o) incl += y;
      }
      const double b0 = (incl - pair) + x0, b1 = incl;
      const float h0 = (float)b0, h1 = (float)b1;
      sB[2 * lane] = h0;
      sB[2 * lane + 1] = h1;
      sBLo[2 * lane] = (float)(b0 - (double)h0);
      sBLo[2 * lane + 1] = (float)(b1 - (double)h1);
    }
    {
      const int s = tid >> 2, part = tid & 3;  // 4 threads per row
      float acc0 = 0.0f;
      for (int i = part; i < dqk; i += 4) acc0 += toF(sQ[s * L.ldQ + i]) * sN[i];
      acc0 += __shfl_xor_sync(0xffffffffu, acc0, 1);
      acc0 += __shfl_xor_sync(0xffffffffu, acc0, 2);
      if (part == 0) sQn[s] = acc0;
    }

    // (d) S = Q K^T (64 x 64), two fragments per warp.
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      const int f = warp + j * kPfWarps, rs = f / 4, cs = f % 4;
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> sf;
      wmma::fill_fragment(sf, 0.0f);
      for (int kk = 0; kk < dqk; kk += 16) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, TIn, wmma::row_major> fa;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, TIn, wmma::col_major> fb;
        wmma::load_matrix_sync(fa, sQ + rs * 16 * L.ldQ + kk, L.ldQ);
        wmma::load_matrix_sync(fb, sK + cs * 16 * L.ldQ + kk, L.ldQ);
        wmma::mma_sync(sf, fa, fb, sf);
      }
      wmma::store_matrix_sync(sS + rs * 16 * L.ldS + cs * 16, sf, L.ldS, wmma::mem_row_major);
    }
    __syncthreads();

    // (e) Row stabilizer, gated scores P and the normalizer, 4 threads per row.
    {
      const int s = tid >> 2, part = tid & 3;
      const float bs = sB[s], bsLo = sBLo[s], gs = (bs + m0) + bsLo;
      float dmax = -INFINITY;
      for (int r = part * 16; r < part * 16 + 16; ++r)
        if (r <= s) dmax = fmaxf(dmax, gateDiff(bs, bsLo, sB[r], sBLo[r]) + sI[r]);
      dmax = fmaxf(dmax, __shfl_xor_sync(0xffffffffu, dmax, 1));
      dmax = fmaxf(dmax, __shfl_xor_sync(0xffffffffu, dmax, 2));
      const float ms = fmaxf(gs, dmax);
      float den = 0.0f;
      for (int r = part * 16; r < part * 16 + 16; ++r) {
        float p = 0.0f;
        if (r <= s)
          p = expf(gateDiff(bs, bsLo, sB[r], sBLo[r]) + sI[r] - ms) * sS[s * L.ldS + r] * scale;
        den += p;
        sP[s * L.ldP + r] = fromF<TIn>(p);
      }
      den += __shfl_xor_sync(0xffffffffu, den, 1);
      den += __shfl_xor_sync(0xffffffffu, den, 2);
      if (part == 0) {
        const float inter = expf(gs - ms);
        den += inter * sQn[s] * scale;
        sRowScale[s] = inter * scale;
        sDen[s] = fmaxf(fabsf(den), expf(-ms)) + kNormEps;
      }
    }
    // State-update weights for this chunk's end (one warp; reads only sB, sBLo and sI).
    if (warp == 0) {
      const float bl = sB[len - 1], blLo = sBLo[len - 1], gl = (bl + m0) + blLo;
      float mx = gl;
      for (int r = lane; r < len; r += 32)
        mx = fmaxf(mx, gateDiff(bl, blLo, sB[r], sBLo[r]) + sI[r]);
#pragma unroll
      for (int o = 16; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
      for (int r = lane; r < kChunk; r += 32)
        sW[r] = r < len ? expf(gateDiff(bl, blLo, sB[r], sBLo[r]) + sI[r] - mx) : 0.0f;
      if (lane == 0) {
        sMisc[0] = mx;
        sMisc[1] = expf(gl - mx);
      }
    }
    __syncthreads();

    // (g) The inter-chunk term Q C and the intra-chunk term P V, kept apart so the per-row
    // inter scale is applied in fp32 in the epilogue (not by re-rounding Q).
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      const int f = warp + j * kPfWarps, rs = f / 4, cs = f % 4;
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> hInter, hIntra;
      wmma::fill_fragment(hInter, 0.0f);
      wmma::fill_fragment(hIntra, 0.0f);
      for (int kk = 0; kk < dqk; kk += 16) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, TIn, wmma::row_major> fa;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, TIn, wmma::row_major> fb;
        wmma::load_matrix_sync(fa, sQ + rs * 16 * L.ldQ + kk, L.ldQ);
        wmma::load_matrix_sync(fb, sCb + kk * L.ldV + cs * 16, L.ldV);
        wmma::mma_sync(hInter, fa, fb, hInter);
      }
      for (int kk = 0; kk < kChunk; kk += 16) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, TIn, wmma::row_major> fa;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, TIn, wmma::row_major> fb;
        wmma::load_matrix_sync(fa, sP + rs * 16 * L.ldP + kk, L.ldP);
        wmma::load_matrix_sync(fb, sV + kk * L.ldV + cs * 16, L.ldV);
        wmma::mma_sync(hIntra, fa, fb, hIntra);
      }
      wmma::store_matrix_sync(sS + rs * 16 * L.ldS + cs * 16, hInter, L.ldS, wmma::mem_row_major);
      wmma::store_matrix_sync(sS2 + rs * 16 * L.ldS + cs * 16, hIntra, L.ldS, wmma::mem_row_major);
    }
    // (i) n update and K scaled by the update weights (in place: K is not needed again).
    const float decay = sMisc[1];
    for (int i = tid; i < dqk; i += kPfThreads) {
      float nacc = decay * sN[i];
      for (int r = 0; r < kChunk; ++r) {
        const float kv = toF(sK[r * L.ldQ + i]);
        nacc += sW[r] * kv;
        sK[r * L.ldQ + i] = fromF<TIn>(kv * sW[r]);
      }
      sN[i] = nacc;
    }
    __syncthreads();

    // (h) Outputs of this chunk.
    for (int s = tid / kTileCols; s < len; s += kPfThreads / kTileCols) {
      const int c = tid % kTileCols;
      if (c < tileCols)
        hOut[(((size_t)b * S + t0 + s) * H + head) * dv + col0 + c] = fromF<TIn>(
            (sRowScale[s] * sS[s * L.ldS + c] + sS2[s * L.ldS + c]) / sDen[s]);
    }
    // (j) C <- decay C + Kw^T V.
#pragma unroll
    for (int j = 0; j < kAccMax; ++j) {
      const int f = warp + j * kPfWarps;
      if (f < accTotal) {
        const int rf = f / (kTileCols / 16), cf = f % (kTileCols / 16);
        for (int e = 0; e < acc[j].num_elements; ++e) acc[j].x[e] *= decay;
        for (int kk = 0; kk < kChunk; kk += 16) {
          wmma::fragment<wmma::matrix_a, 16, 16, 16, TIn, wmma::col_major> fa;
          wmma::fragment<wmma::matrix_b, 16, 16, 16, TIn, wmma::row_major> fb;
          wmma::load_matrix_sync(fa, sK + kk * L.ldQ + rf * 16, L.ldQ);
          wmma::load_matrix_sync(fb, sV + kk * L.ldV + cf * 16, L.ldV);
          wmma::mma_sync(acc[j], fa, fb, acc[j]);
        }
      }
    }
    m0 = sMisc[0];
    __syncthreads();  // every region is rewritten by the next chunk
  }

  // Final state: this tile of C, then (tile 0, after the cluster barrier) n and m.
#pragma unroll
  for (int j = 0; j < kAccMax; ++j) {
    const int f = warp + j * kPfWarps;
    if (f < accTotal) {
      const int rf = f / (kTileCols / 16), cf = f % (kTileCols / 16);
      wmma::store_matrix_sync(sScr, acc[j], 16, wmma::mem_row_major);
      __syncwarp();
      for (int e = lane; e < 256; e += 32) {
        const int r = rf * 16 + e / 16, c = cf * 16 + e % 16;
        if (c < tileCols) Cg[(size_t)r * dv + c] = fromF<TState>(sScr[e]);
      }
      __syncwarp();
    }
  }
  clusterWait();
  if (tile == 0) {
    TState* nOut = reinterpret_cast<TState*>(a.state.n) + sh * dqk;
    for (int i = tid; i < dqk; i += kPfThreads) nOut[i] = fromF<TState>(sN[i]);
    if (tid == 0) a.state.m[sh] = m0;
  }
}

template <typename TIn, typename TState>
int launchPrefill(const xlstm_mlstm_prefill_args& a, cudaStream_t stream) {
  const int tiles = (a.dv + kTileCols - 1) / kTileCols;
  const PfLayout L = pfLayout(a.dqk, (int)sizeof(TIn));
  auto kernel = mlstmPrefillKernel<TIn, TState>;
  cudaError_t e =
      cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)L.total);
  if (e != cudaSuccess) {
    kvsim_xlstm_host::setLastCudaError(e);
    return XLSTM_ERR_CUDA;
  }
  return kvsim_xlstm_host::launchWithCluster(kernel, dim3(tiles, a.heads, a.batch),
                                             dim3(kPfThreads), L.total, tiles, stream, a);
}

}  // namespace kvsim_xlstm

using namespace kvsim_xlstm;

// Which kernel `auto` means, per call: tfla for sequences of at least kAutoTflaMinTokens tokens (where
// it is measured faster one request at a time, as the GPU executor calls it: bench/xlstm/NOTES.md,
// "auto"), the sequential kernel below that and for shapes tfla refuses.
constexpr int32_t kAutoTflaMinTokens = 16;

static int resolvePrefillAlgorithm(int32_t algorithm, int32_t batch, int32_t seqLen, int32_t heads,
                                   int32_t dqk, int32_t dv) {
  if (algorithm == XLSTM_PREFILL_AUTO)
    return seqLen >= kAutoTflaMinTokens &&
                   xlstm_mlstm_prefill_tfla_workspace_bytes(batch, seqLen, heads, dqk, dv) >= 0
               ? XLSTM_PREFILL_TFLA
               : XLSTM_PREFILL_SEQUENTIAL;
  if (algorithm == XLSTM_PREFILL_SEQUENTIAL || algorithm == XLSTM_PREFILL_TFLA) return algorithm;
  return -1;
}

extern "C" int64_t xlstm_mlstm_prefill_workspace_bytes(int32_t batch, int32_t seqLen, int32_t heads,
                                                       int32_t dqk, int32_t dv, int32_t algorithm) {
  if (batch < 1 || seqLen < 1 || heads < 1 || dqk < 1 || dv < 1) return -1;
  const int alg = resolvePrefillAlgorithm(algorithm, batch, seqLen, heads, dqk, dv);
  if (alg < 0) return -1;
  return alg == XLSTM_PREFILL_TFLA ? xlstm_mlstm_prefill_tfla_workspace_bytes(batch, seqLen, heads, dqk, dv)
                                   : 0;
}

// The rule the call applies (resolvePrefillAlgorithm), so the name cannot drift from the launch: auto
// names its threshold, since which kernel runs depends on the sequence length.
extern "C" const char* xlstm_mlstm_prefill_algorithm_name(int32_t algorithm) {
  switch (algorithm) {
    case XLSTM_PREFILL_AUTO: {
      static const std::string rule = "auto: tfla-v2 from " + std::to_string(kAutoTflaMinTokens) + " tokens, sequential below";
      return rule.c_str();
    }
    case XLSTM_PREFILL_SEQUENTIAL: return "sequential";
    // "tfla-v2" since its variants are picked per shape (mlstmPrefillTfla.cu defaultFlags, run 8): the
    // same bits as before, other times, so profiles measured with "tfla" read as another kernel.
    case XLSTM_PREFILL_TFLA: return "tfla-v2";
    default: return nullptr;
  }
}

extern "C" int xlstm_mlstm_prefill(const xlstm_mlstm_prefill_args* a, void* stream) {
  using namespace kvsim_xlstm_host;
  if (a == nullptr) return XLSTM_ERR_INVALID_ARGUMENT;
  if (a->batch < 1 || a->seqLen < 1 || a->heads < 1 || a->dqk < 1 || a->dv < 1 ||
      a->state.numSlots < 1)
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (!a->q || !a->k || !a->v || !a->igatePre || !a->fgatePre || !a->slots || !a->h ||
      !a->state.C || !a->state.n || !a->state.m)
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (!isInputDtype(a->inputDtype) || !isStateDtype(a->state.dtype))
    return XLSTM_ERR_INVALID_ARGUMENT;
  const int algorithm = resolvePrefillAlgorithm(a->algorithm, a->batch, a->seqLen, a->heads, a->dqk, a->dv);
  if (algorithm < 0 || (a->workspace != nullptr && a->workspaceBytes < 0))
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (a->dqk % 16 != 0 || a->dqk > kPfMaxDqk || a->dv % 16 != 0 ||
      a->dv > kPfMaxTiles * kTileCols || a->heads > 65535 || a->batch > 65535)
    return XLSTM_ERR_UNSUPPORTED_SHAPE;
  if (algorithm == XLSTM_PREFILL_TFLA) return xlstm_mlstm_prefill_tfla(a, stream);
  cudaStream_t s = static_cast<cudaStream_t>(stream);
  const bool bf = a->inputDtype == XLSTM_BF16;
  if (a->state.dtype == XLSTM_F32)
    return bf ? launchPrefill<__nv_bfloat16, float>(*a, s) : launchPrefill<__half, float>(*a, s);
  return bf ? launchPrefill<__nv_bfloat16, __nv_bfloat16>(*a, s)
            : launchPrefill<__half, __nv_bfloat16>(*a, s);
}
