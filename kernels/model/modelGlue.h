/*
 * Glue kernels of the GPU executor's synthetic model (plain C ABI): random weight init, splitting the
 * fused QKV projection into the query buffer and the KV-cache (contiguous slot or paged block), the
 * gated-MLP activation, and splitting the mLSTM projections. All tensors bf16 unless said otherwise,
 * row-major, tokens packed back to back. Return 0 or a cudaError_t of the launch; -1 for bad arguments.
 */
#ifndef KVSIM_MODEL_GLUE_H
#define KVSIM_MODEL_GLUE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Uniform values in [-scale, scale] from a counter hash of (seed, index): reproducible, never zeros. */
int kvsim_fill_random_bf16(void* p, int64_t n, uint64_t seed, float scale, void* stream);

/*
 * Keeps `stream` busy for `ns` nanoseconds of the GPU's global timer (one warp spinning; clock-rate
 * independent). Calibration launches it before each timed run so the run's first kernel is already
 * queued when its start event fires: the launch latency a replay's back-to-back stream hides is then
 * not timed (see native/gpuModelProfile.cc Median).
 */
int kvsim_busy_wait_ns(int64_t ns, void* stream);

typedef struct {
  int32_t layout; /* 0: contiguous slots (vAttention arena), 1: paged blocks (vLLM pool) */
  void* k;
  void* v;
  int64_t slotStrideBytes;   /* contiguous */
  const int32_t* slotOfRow;  /* contiguous: device, per batch row */
  const int32_t* blockTable; /* paged: device, [rows][maxBlocksPerSeq] */
  int32_t maxBlocksPerSeq;
  int32_t blockSizeTokens;
  /* contiguous: bytes from one token's row to the next; 0 = Hkv*D*2 (packed). vAttention's megacache
   * layout: layers*Hkv*D*2, with k/v at the layer's offset inside the row (see attention.h). */
  int64_t tokenStrideBytes;
} kvsim_kv_write_t;

/*
 * qkv [T][(H + 2*Hkv) * D]; token t belongs to batch row tokenRow[t] at absolute position tokenPos[t].
 * Writes q [T][H][D] and the token's K and V ([Hkv][D] each) into the cache at that position.
 * D must be a multiple of 8.
 */
int kvsim_split_qkv_append(const void* qkv, int32_t T, int32_t H, int32_t Hkv, int32_t D, const int32_t* tokenRow,
                           const int32_t* tokenPos, void* q, const kvsim_kv_write_t* kv, void* stream);

/* gateUp [T][2F] (gate then up) -> out [T][F] = silu(gate) * up. F a multiple of 8. */
int kvsim_silu_mul_bf16(const void* gateUp, void* out, int32_t T, int32_t F, void* stream);

/*
 * proj [T][H*(2*dqk + dv) + 2*H] laid out as q | k | v | igate | fgate ->
 * q, k [T][H][dqk], v [T][H][dv] (bf16), igate, fgate [T][H] (fp32).
 */
int kvsim_split_mlstm(const void* proj, int32_t T, int32_t H, int32_t dqk, int32_t dv, void* q, void* k, void* v,
                      float* igate, float* fgate, void* stream);

#ifdef __cplusplus
}
#endif

#endif
