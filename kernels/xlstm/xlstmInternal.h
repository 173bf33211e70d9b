// Entry points inside kernels/xlstm and for the bench harness: pick a tuning variant explicitly so
// one device run can time them side by side. The public API (xlstm.h) uses the default variant.
#pragma once

#include "xlstm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* mLSTM step variants: streaming = evict-first state loads/stores (0 or 1); unroll = row passes
 * batched per thread, i.e. 16-byte state loads in flight per thread (1, 4 or 8). */
int xlstm_mlstm_step_variant(const xlstm_mlstm_step_args* args, void* stream, int streaming,
                             int unroll);
extern const int xlstm_mlstm_step_default_streaming;
extern const int xlstm_mlstm_step_default_unroll;

/* The chunk-parallel prefill (mlstmPrefillTfla.cu) behind xlstm_mlstm_prefill's algorithm 2: takes
 * arguments xlstm_mlstm_prefill already validated, and its own workspace size. Runs the variants
 * (below) picked for the shape and the current device's SM count (tfla::defaultFlags). */
int xlstm_mlstm_prefill_tfla(const xlstm_mlstm_prefill_args* args, void* stream);
int64_t xlstm_mlstm_prefill_tfla_workspace_bytes(int32_t batch, int32_t seqLen, int32_t heads,
                                                 int32_t dqk, int32_t dv);
/* The same, recording four CUDA events (cudaEvent_t, passed as void*) in the stream: before its
 * first kernel and after each of its three (chunk state, scan, output), so the harness can time
 * them apart without a profiler. marks may be null. */
int xlstm_mlstm_prefill_tfla_marked(const xlstm_mlstm_prefill_args* args, void* stream,
                                    void* const* marks);
/* The same with tfla's variants picked by flags (0 = the split state pass and the narrow output kernel,
 * tfla as it was before run 8):
 * XLSTM_TFLA_FUSED_STATE: kernels 1 and 2 as one walk over the chunks (tflaStatePassKernel);
 * XLSTM_TFLA_WIDE_OUTPUT: kernel 3 with one block per query tile for all columns (tflaOutputWideKernel).
 * h, Cprev/nprev/mprev and the final state are bit-identical to flags 0 (the harness checks). */
#define XLSTM_TFLA_FUSED_STATE 1
#define XLSTM_TFLA_WIDE_OUTPUT 2
int xlstm_mlstm_prefill_tfla_variant(const xlstm_mlstm_prefill_args* args, void* stream,
                                     void* const* marks, int flags);

/* sLSTM step variants (slstmStep.cu): 0 "old", 1 "new", 2 "new-nopdl", 3 "coop"; xlstm_slstm_step runs
 * xlstm_slstm_default_variant() (KVSIM_SLSTM_VARIANT; -1 when that names no variant). */
int xlstm_slstm_step_variant(const xlstm_slstm_step_args* args, void* stream, int variant);
int xlstm_slstm_variant_count(void);
const char* xlstm_slstm_variant_name(int variant);
int xlstm_slstm_default_variant(void);
/* 1 when the "coop" variant launches cooperatively for these arguments, 0 when it runs "new" instead
 * (grid not resident at once, or a pointer the gating reads 16 bytes at a time unaligned), XLSTM_ERR_*
 * on a bad argument or a failed device query; launches nothing (bench and check labels). */
int xlstm_slstm_coop_cooperative(const xlstm_slstm_step_args* args);

#ifdef __cplusplus
}
#endif
