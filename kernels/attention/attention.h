/*
 * kvsim attention kernels: a plain C ABI (no N-API, no CUDA headers needed by callers).
 *
 * Shapes and layouts (all pointers are device pointers unless said otherwise):
 *   q, out (decode)   [batch][numQHeads][headDim]
 *   q, out (prefill)  [totalQueryTokens][numQHeads][headDim], requests packed back to back;
 *                     cuSeqlensQ[batch + 1] gives the offsets (cuSeqlensQ[0] = 0).
 *   K and V of one layer, contiguous (vAttention arena): two buffers, each maxBatch slots of
 *     slotStrideBytes bytes (a multiple of 16); slot r holds request r's tokens token-major:
 *     [token][numKvHeads][headDim], one token every tokenStrideBytes (0: numKvHeads*headDim*2, the
 *     rows packed). vAttention's megacache layout (vattention.cu alloc_virtual_tensor: one K and one V
 *     tensor [batch][context][layers][numKvHeads][headDim]) is a stride of layers*numKvHeads*headDim*2
 *     with k and v pointing at the layer's offset, layer*numKvHeads*headDim*2, inside the first row.
 *     slotOfRequest[i] (or i when NULL) names request i's slot.
 *   K and V of one layer, paged (vLLM-style block pool): two buffers of
 *     [numBlocks][blockSizeTokens][numKvHeads][headDim]; blockTable[i * maxBlocksPerSeq + j] is
 *     the block holding request i's tokens [j*blockSizeTokens, (j+1)*blockSizeTokens).
 *   contextLens[i]: tokens of K/V request i attends to (for prefill: the cached prefix plus the
 *     new chunk, whose K/V the caller has already written into the cache).
 *
 * Element types: fp16 or bf16 in memory, fp32 accumulation. Grouped-query attention: numQHeads is a
 * multiple of numKvHeads; query head h reads KV head h / (numQHeads / numKvHeads). Head dims 64, 128.
 * contextLens[i] >= the request's query count (a shorter one gives zero rows). Causal prefill: query
 * row i of a request sits at absolute position contextLens - qLen + i and sees
 * keys at positions <= its own (a chunk of new queries attends to the whole cached prefix and
 * causally to itself).
 *
 * Implementations: decode is one kernel (mma.sync, any sm_80+ build) plus a split reduction. Prefill
 * runs on wgmma when the file was compiled for sm_90a (e.g. CMAKE_CUDA_ARCHITECTURES=90a) and the
 * device is a Hopper (the persistent warp-specialised TMA kernel, prefillHopperTma.cu); otherwise on
 * mma.sync. Environment KVSIM_ATTN_PREFILL=mma|ws|wsl|ws2|wgmma64|wgmma128|tma|tmae|tmal picks a prefill kernel and
 * KVSIM_ATTN_PREFILL_ORDER=blocks the other grid order (for benchmarks and checks only). Builds with
 * -DKVSIM_ATTN_MEASUREMENT_SWITCHES (bench/kernels/build.sh, never the addon) also read KVSIM_ATTN_TMA_KV=off and
 * KVSIM_ATTN_TMA_MIN_BLOCK=N, which move K/V loads between TMA and cp.async (prefillHopperTma.cu).
 *
 * Every function returns 0 on success, a negative KVSIM_ATTN_E* code for an invalid or unsupported
 * argument (nothing launched), or a positive cudaError_t from the launch.
 */
#ifndef KVSIM_ATTENTION_H
#define KVSIM_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { KVSIM_DTYPE_F16 = 0, KVSIM_DTYPE_BF16 = 1 } kvsim_dtype_t;

typedef enum { KVSIM_KV_CONTIGUOUS = 0, KVSIM_KV_PAGED = 1 } kvsim_kv_layout_t;

enum {
  KVSIM_ATTN_OK = 0,
  KVSIM_ATTN_EINVAL = -1,       /* null pointer, non-positive size */
  KVSIM_ATTN_EHEADDIM = -2,     /* head dim not 64 or 128 */
  KVSIM_ATTN_EGQA = -3,         /* numQHeads not a multiple of numKvHeads */
  KVSIM_ATTN_EDTYPE = -4,       /* unknown dtype */
  KVSIM_ATTN_EBLOCKSIZE = -5,   /* paged block size not a power of two in [8, 1024] */
  KVSIM_ATTN_EWORKSPACE = -6,   /* workspace missing or smaller than kvsim_attn_decode_workspace_bytes */
  KVSIM_ATTN_ELAYOUT = -7       /* unknown KV layout, slot stride too small, bad token stride */
};

typedef struct {
  kvsim_dtype_t dtype;
  int32_t numQHeads;
  int32_t numKvHeads;
  int32_t headDim;
  float softmaxScale; /* usually 1/sqrt(headDim) */
} kvsim_attn_shape_t;

typedef struct {
  kvsim_kv_layout_t layout;
  const void* k;
  const void* v;
  /* contiguous */
  int64_t slotStrideBytes;
  const int32_t* slotOfRequest; /* may be NULL: request i uses slot i */
  /* paged */
  const int32_t* blockTable;
  int32_t maxBlocksPerSeq;
  int32_t blockSizeTokens;
  /* contiguous: bytes from one token's row to the next; 0 = numKvHeads*headDim*2 (packed). A multiple
   * of 16, at least numKvHeads*headDim*2. */
  int64_t tokenStrideBytes;
} kvsim_kv_cache_t;

/* Number of context splits the decode kernel uses when numSplits = 0 (flash-decoding). */
int32_t kvsim_attn_decode_auto_splits(const kvsim_attn_shape_t* shape, int32_t batch, int32_t maxContextLen);

/* Bytes of device workspace the decode kernel needs. numSplits > 0: exactly, for that call.
 * numSplits = 0 (auto): enough for EVERY auto-split call with batch <= `batch` and maxContextLen <=
 * `maxContextLen` (so one allocation at start-up serves all iterations). 0 means none is needed. */
size_t kvsim_attn_decode_workspace_bytes(const kvsim_attn_shape_t* shape, int32_t batch, int32_t maxContextLen,
                                         int32_t numSplits);

/* One query token per request against its whole context. numSplits: 0 = auto, 1 = no split. */
int kvsim_attn_decode(const kvsim_attn_shape_t* shape, const kvsim_kv_cache_t* kv, const void* q, void* out,
                      const int32_t* contextLens, int32_t batch, int32_t maxContextLen, int32_t numSplits,
                      void* workspace, size_t workspaceBytes, void* stream);

/* Prefill / chunked prefill. maxQueryLen bounds cuSeqlensQ[i+1]-cuSeqlensQ[i]; causal != 0 masks. */
int kvsim_attn_prefill(const kvsim_attn_shape_t* shape, const kvsim_kv_cache_t* kv, const void* q, void* out,
                       const int32_t* cuSeqlensQ, const int32_t* contextLens, int32_t batch, int32_t maxQueryLen,
                       int32_t causal, void* stream);

/* The prefill kernel kvsim_attn_prefill would launch now for this shape, by the same rules: "tma" (the
 * default on a Hopper with an sm_90a build), "tmae", "tmal", "ws", "wsl", "ws2", "wgmma64" or "wgmma128" (picked by
 * KVSIM_ATTN_PREFILL; an unknown value runs "tma" there, as the launch does; "tma" names the kernel, whose
 * loads go through TMA or cp.async per layout, see prefillHopperTma.cu), or "mma" (any other GPU or
 * build, or KVSIM_ATTN_PREFILL=mma); the Hopper names end in "/blocks" under
 * KVSIM_ATTN_PREFILL_ORDER=blocks. NULL for a shape kvsim_attn_prefill refuses. Launches nothing and
 * allocates nothing; like the first kvsim_attn_prefill, the first call asks the runtime about the current
 * device (the answer is cached per process). For provenance: calibration profiles record it, validation
 * compares it. The returned string is static. */
const char* kvsim_attn_prefill_kernel(const kvsim_attn_shape_t* shape);

const char* kvsim_attn_error_string(int code);

/* Benchmark helper: fills `count` 16-bit elements with random fp16/bf16 values in [-2, 2). */
int kvsim_fill_random_16(void* p, size_t count, uint64_t seed, kvsim_dtype_t dtype, void* stream);

#ifdef __cplusplus
}
#endif

#endif /* KVSIM_ATTENTION_H */
