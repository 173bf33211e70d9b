/*
 * xLSTM CUDA kernels: plain C ABI (no CUDA or N-API types), so the addon and the standalone
 * bench harness include the same header.
 *
 * Every device pointer is a raw device address; `stream` is a cudaStream_t passed as void*
 * (NULL = legacy default stream). Every entry point validates its arguments on the host,
 * launches asynchronously and returns an xlstm_status; XLSTM_ERR_CUDA carries the CUDA error
 * of the launch, readable with xlstm_last_cuda_error().
 *
 * Element layouts (row-major, last index fastest):
 *   mLSTM state pool  C [numSlots][heads][dqk][dv] (stateDtype), n [numSlots][heads][dqk]
 *                     (stateDtype), m [numSlots][heads] (always fp32: the stabilizer is an
 *                     exponent, bf16 would round it by up to ~0.06 and scale C by ~6%).
 *   sLSTM state pool  h, c, n [numSlots][heads][headDim] (stateDtype), m same shape, fp32.
 *   A fresh request's state is all zeros (C, n, m = 0; xLSTM's reference initial state):
 *   xlstm_mlstm_reset_slots / xlstm_slstm_reset_slots write it.
 * Gate pre-activations are fp32. With gateSoftCap > 0 the mLSTM kernels apply
 * cap*tanh(x/cap) to both gate pre-activations first (xLSTM-7B uses cap 15).
 * Slot indices are device int32 arrays; a slot outside [0, numSlots) makes the kernel write
 * NaN to that request's outputs and leave the pool untouched. Two requests of one call must
 * not share a slot (the caller validates; the kernels would race).
 */
#ifndef KVSIM_XLSTM_H
#define KVSIM_XLSTM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum xlstm_dtype {
  XLSTM_F32 = 0,
  XLSTM_BF16 = 1,
  XLSTM_F16 = 2
} xlstm_dtype;

typedef enum xlstm_status {
  XLSTM_OK = 0,
  XLSTM_ERR_INVALID_ARGUMENT = 1, /* a null pointer, a non-positive size, a bad dtype */
  XLSTM_ERR_UNSUPPORTED_SHAPE = 2, /* a size outside what the kernel handles (see limits) */
  XLSTM_ERR_CUDA = 3 /* the launch failed: see xlstm_last_cuda_error() */
} xlstm_status;

/* mLSTM state pool (one layer). */
typedef struct xlstm_mlstm_state {
  void* C;
  void* n;
  float* m;
  int32_t numSlots;
  xlstm_dtype dtype; /* XLSTM_F32 or XLSTM_BF16 */
} xlstm_mlstm_state;

/*
 * One decode step for `batch` requests.
 * q, k [batch][heads][dqk], v [batch][heads][dv], h (out) [batch][heads][dv] in inputDtype;
 * igatePre, fgatePre [batch][heads]; slots [batch].
 * Limits: dv % 8 == 0; dv <= 512 (fp32 state) or 1024 (bf16 state); 1 <= dqk <= 2048.
 */
typedef struct xlstm_mlstm_step_args {
  int32_t batch, heads, dqk, dv;
  xlstm_dtype inputDtype; /* XLSTM_BF16 or XLSTM_F16 */
  const void* q;
  const void* k;
  const void* v;
  const float* igatePre;
  const float* fgatePre;
  const int32_t* slots;
  float gateSoftCap;
  void* h;
  xlstm_mlstm_state state;
} xlstm_mlstm_step_args;

/*
 * Chunkwise-parallel prefill of `seqLen` tokens for `batch` requests, continuing from the
 * state in each request's slot and leaving the final state there.
 * q, k [batch][seqLen][heads][dqk], v and h (out) [batch][seqLen][heads][dv];
 * igatePre, fgatePre [batch][seqLen][heads].
 * Limits: dqk % 16 == 0 and dqk <= 256; dv % 16 == 0 and dv <= 512; tfla also batch * heads
 * <= 65535 and seqLen <= 65535 * 256.
 * algorithm: XLSTM_PREFILL_AUTO (0, what a zero-initialized struct gets: tfla when seqLen reaches the
 * threshold xlstm_mlstm_prefill_algorithm_name(0) states and tfla takes the shape, else sequential),
 * XLSTM_PREFILL_SEQUENTIAL (one block per (request, head, 64-column tile of C) walks the sequence
 * in 64-token chunks) or XLSTM_PREFILL_TFLA (chunk-parallel in 256-token chunks: per-chunk states,
 * an inter-chunk scan, outputs; kernels/xlstm/mlstmPrefillTfla.cu). Same function, same m.
 * workspace: tfla's device scratch of xlstm_mlstm_prefill_workspace_bytes(...) bytes
 * (workspaceBytes says how many were given; 16-byte aligned; no initial contents needed), or NULL: the call then
 * allocates it with cudaMallocAsync on `stream` and frees it after (cudaFreeAsync).
 */
typedef enum xlstm_prefill_algorithm {
  XLSTM_PREFILL_AUTO = 0,
  XLSTM_PREFILL_SEQUENTIAL = 1,
  XLSTM_PREFILL_TFLA = 2
} xlstm_prefill_algorithm;

typedef struct xlstm_mlstm_prefill_args {
  int32_t batch, seqLen, heads, dqk, dv;
  xlstm_dtype inputDtype;
  const void* q;
  const void* k;
  const void* v;
  const float* igatePre;
  const float* fgatePre;
  const int32_t* slots;
  float gateSoftCap;
  void* h;
  xlstm_mlstm_state state;
  int32_t algorithm; /* xlstm_prefill_algorithm; anything else is XLSTM_ERR_INVALID_ARGUMENT */
  void* workspace;
  int64_t workspaceBytes;
} xlstm_mlstm_prefill_args;

/* sLSTM state pool (one layer). */
typedef struct xlstm_slstm_state {
  void* h;
  void* c;
  void* n;
  float* m;
  int32_t numSlots;
  xlstm_dtype dtype; /* XLSTM_F32 or XLSTM_BF16 */
} xlstm_slstm_state;

/*
 * One sLSTM step. Gate order everywhere: i, f, z, o.
 * xPre [batch][4][heads][headDim] (inputDtype): the input projections W x_t;
 * R [heads][4][headDim (k, input)][headDim (j, output)] (inputDtype): block-diagonal recurrent
 * weights, pre-activation_j += sum_k h_{t-1,k} R[k][j]; bias [4][heads][headDim] fp32 or NULL;
 * y (out) [batch][heads][headDim] (inputDtype) = the new h.
 * workspace: device scratch of xlstm_slstm_workspace_bytes(batch, heads, headDim) bytes (fp32
 * partial sums of the recurrent product; no initial contents needed).
 * Limits: headDim % 8 == 0; R, state.h and workspace 16-byte aligned (XLSTM_ERR_INVALID_ARGUMENT
 * otherwise; cudaMalloc'd buffers are).
 */
typedef struct xlstm_slstm_step_args {
  int32_t batch, heads, headDim;
  xlstm_dtype inputDtype;
  const void* xPre;
  const void* R;
  const float* bias;
  const int32_t* slots;
  void* y;
  void* workspace;
  xlstm_slstm_state state;
} xlstm_slstm_step_args;

int xlstm_mlstm_step(const xlstm_mlstm_step_args* args, void* stream);
int xlstm_mlstm_prefill(const xlstm_mlstm_prefill_args* args, void* stream);
int xlstm_slstm_step(const xlstm_slstm_step_args* args, void* stream);

/* Zero the states of `count` slots (device int32 array) of a pool with `heads` x dims. */
int xlstm_mlstm_reset_slots(const xlstm_mlstm_state* state, int32_t heads, int32_t dqk, int32_t dv,
                            const int32_t* slots, int32_t count, void* stream);
int xlstm_slstm_reset_slots(const xlstm_slstm_state* state, int32_t heads, int32_t headDim,
                            const int32_t* slots, int32_t count, void* stream);

/* Bytes of one slot's state (for pool sizing and bandwidth accounting). */
int64_t xlstm_mlstm_slot_bytes(int32_t heads, int32_t dqk, int32_t dv, xlstm_dtype stateDtype);
int64_t xlstm_slstm_slot_bytes(int32_t heads, int32_t headDim, xlstm_dtype stateDtype);
/* Scratch bytes xlstm_slstm_step needs for these sizes (depends on sizes only, not the device). Not
 * monotonic in batch (the split of the recurrent product changes with it, e.g. at 16 requests): a
 * caller that allocates once takes the maximum over every batch it will run. */
int64_t xlstm_slstm_workspace_bytes(int32_t batch, int32_t heads, int32_t headDim);
/* Scratch bytes xlstm_mlstm_prefill needs with this algorithm (auto resolved as the call does; 0 for
 * sequential), -1 for a bad size or algorithm. tfla: about 6 * dqk * dv bytes per (request, head,
 * 256-token chunk): 384 MiB for xLSTM-7B's heads at batch 4 x 4096 tokens. */
int64_t xlstm_mlstm_prefill_workspace_bytes(int32_t batch, int32_t seqLen, int32_t heads, int32_t dqk,
                                            int32_t dv, int32_t algorithm);
/* The name of the prefill kernel xlstm_mlstm_prefill runs for this algorithm value: "sequential" or
 * "tfla"; for auto the rule the call applies ("auto: tfla from N tokens, sequential below"). Static
 * strings; NULL for a value the call refuses.
 * Launches nothing. Provenance: calibration profiles record it (recurrentPrefill.algorithm) and
 * kvsim validate compares it with what the GPU runs then. */
const char* xlstm_mlstm_prefill_algorithm_name(int32_t algorithm);
/* The name of the sLSTM step variant xlstm_slstm_step runs ("old", "new", "new-nopdl", "coop" or "new-early":
 * kernels/xlstm/slstmStep.cu; the environment variable KVSIM_SLSTM_VARIANT picks, read once per
 * process), NULL when that variable names no variant (every step then fails). Static strings; launches
 * nothing. Provenance: calibration profiles record it (slstmStep.variant). */
const char* xlstm_slstm_step_variant_name(void);

/* Fill `count` elements (XLSTM_F32, XLSTM_BF16 or XLSTM_F16) with pseudo-random values uniform in
 * [-amplitude, amplitude] from `seed` (benchmarks: zeros run faster than real data). */
int xlstm_fill_random(void* p, int64_t count, xlstm_dtype dtype, uint32_t seed, float amplitude,
                      void* stream);

const char* xlstm_status_string(int status);
/* The CUDA error code (cudaError_t as int) of the last XLSTM_ERR_CUDA on this thread. */
int xlstm_last_cuda_error(void);

#ifdef __cplusplus
}
#endif

#endif
