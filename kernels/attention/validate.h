// Argument checks shared by the decode and prefill entry points (host side, before any launch).
#pragma once

#include "attention.h"

namespace kvsim {

inline int log2Exact(int x) {
  int s = 0;
  while ((1 << s) < x) ++s;
  return (1 << s) == x ? s : -1;
}

inline int checkShape(const kvsim_attn_shape_t* s) {
  if (!s) return KVSIM_ATTN_EINVAL;
  if (s->dtype != KVSIM_DTYPE_F16 && s->dtype != KVSIM_DTYPE_BF16) return KVSIM_ATTN_EDTYPE;
  if (s->headDim != 64 && s->headDim != 128) return KVSIM_ATTN_EHEADDIM;
  if (s->numQHeads <= 0 || s->numKvHeads <= 0) return KVSIM_ATTN_EINVAL;
  if (s->numQHeads % s->numKvHeads != 0) return KVSIM_ATTN_EGQA;
  // The kernels fold the scale into exp2 and track maxima of raw scores: it must be positive.
  if (!(s->softmaxScale > 0.f && s->softmaxScale < 1e30f)) return KVSIM_ATTN_EINVAL;
  return KVSIM_ATTN_OK;
}

// Elements from one token's K row to the next in a contiguous cache (the megacache layout strides over
// all layers' rows of a token; the default packs one layer's rows).
inline int contiguousTokenElems(const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv) {
  return kv->tokenStrideBytes != 0 ? (int)(kv->tokenStrideBytes / 2) : s->numKvHeads * s->headDim;
}

inline int checkKv(const kvsim_attn_shape_t* s, const kvsim_kv_cache_t* kv) {
  if (!kv || !kv->k || !kv->v) return KVSIM_ATTN_EINVAL;
  if (kv->layout == KVSIM_KV_CONTIGUOUS) {
    const int64_t rowBytes = (int64_t)s->numKvHeads * s->headDim * 2;
    // Rows are read in 16-byte chunks, so every slot must start 16-byte aligned.
    if (kv->slotStrideBytes < rowBytes || kv->slotStrideBytes % 16 != 0) return KVSIM_ATTN_ELAYOUT;
    // Rows are read in 16-byte chunks (cp.async), and the stride in elements must fit an int.
    const int64_t t = kv->tokenStrideBytes;
    if (t != 0 && (t < rowBytes || t % 16 != 0 || t / 2 > 0x7fffffff)) return KVSIM_ATTN_ELAYOUT;
    return KVSIM_ATTN_OK;
  }
  if (kv->layout == KVSIM_KV_PAGED) {
    if (!kv->blockTable || kv->maxBlocksPerSeq <= 0) return KVSIM_ATTN_EINVAL;
    int sh = log2Exact(kv->blockSizeTokens);
    if (sh < 3 || sh > 10) return KVSIM_ATTN_EBLOCKSIZE;
    return KVSIM_ATTN_OK;
  }
  return KVSIM_ATTN_ELAYOUT;
}

} // namespace kvsim
