// State-pool helpers shared by the xLSTM kernels: slot reset, slot sizes, status strings.

#include "xlstmCommon.cuh"

namespace kvsim_xlstm_host {
static thread_local int lastCudaError = 0;
void setLastCudaError(cudaError_t e) { lastCudaError = static_cast<int>(e); }
}  // namespace kvsim_xlstm_host

namespace kvsim_xlstm {

// One block per (slot entry, head); zeroes that head's C, n (any element size) and m.
__global__ void mlstmResetKernel(xlstm_mlstm_state st, int heads, int dqk, int dv,
                                 const int32_t* slots, size_t elemBytes) {
  const int slot = slots[blockIdx.x];
  if (slot < 0 || slot >= st.numSlots) return;
  const size_t sh = (size_t)slot * heads + blockIdx.y;
  char* C = static_cast<char*>(st.C) + sh * (size_t)dqk * dv * elemBytes;
  const size_t cBytes = (size_t)dqk * dv * elemBytes;
  for (size_t i = threadIdx.x; i < cBytes; i += blockDim.x) C[i] = 0;
  char* n = static_cast<char*>(st.n) + sh * (size_t)dqk * elemBytes;
  for (size_t i = threadIdx.x; i < (size_t)dqk * elemBytes; i += blockDim.x) n[i] = 0;
  if (threadIdx.x == 0) st.m[sh] = 0.0f;
}

__global__ void slstmResetKernel(xlstm_slstm_state st, int heads, int dh, const int32_t* slots,
                                 size_t elemBytes) {
  const int slot = slots[blockIdx.x];
  if (slot < 0 || slot >= st.numSlots) return;
  const size_t sh = (size_t)slot * heads + blockIdx.y;
  const size_t bytes = (size_t)dh * elemBytes;
  char* h = static_cast<char*>(st.h) + sh * bytes;
  char* c = static_cast<char*>(st.c) + sh * bytes;
  char* n = static_cast<char*>(st.n) + sh * bytes;
  for (size_t i = threadIdx.x; i < bytes; i += blockDim.x) h[i] = c[i] = n[i] = 0;
  for (int i = threadIdx.x; i < dh; i += blockDim.x) st.m[sh * dh + i] = 0.0f;
}

static size_t stateElemBytes(xlstm_dtype d) { return d == XLSTM_F32 ? 4 : 2; }

__global__ void fillRandomKernel(void* p, size_t n, xlstm_dtype dt, uint32_t seed, float amp) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    uint32_t x = (uint32_t)i * 2654435761u ^ seed ^ (uint32_t)(i >> 32) * 0x9E3779B9u;
    x ^= x >> 16; x *= 0x7feb352du; x ^= x >> 15; x *= 0x846ca68bu; x ^= x >> 16;
    const float v = amp * ((x >> 8) * (1.0f / 16777216.0f) * 2.0f - 1.0f);
    if (dt == XLSTM_F32) static_cast<float*>(p)[i] = v;
    else if (dt == XLSTM_BF16) static_cast<__nv_bfloat16*>(p)[i] = fromF<__nv_bfloat16>(v);
    else static_cast<__half*>(p)[i] = fromF<__half>(v);
  }
}

}  // namespace kvsim_xlstm

using namespace kvsim_xlstm;

static int finishLaunch() {
  cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) {
    kvsim_xlstm_host::setLastCudaError(e);
    return XLSTM_ERR_CUDA;
  }
  return XLSTM_OK;
}

extern "C" int xlstm_mlstm_reset_slots(const xlstm_mlstm_state* st, int32_t heads, int32_t dqk,
                                       int32_t dv, const int32_t* slots, int32_t count,
                                       void* stream) {
  if (!st || !slots || !st->C || !st->n || !st->m || heads < 1 || dqk < 1 || dv < 1 ||
      count < 0 || !kvsim_xlstm_host::isStateDtype(st->dtype))
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (count == 0) return XLSTM_OK;
  if (heads > 65535) return XLSTM_ERR_UNSUPPORTED_SHAPE;
  mlstmResetKernel<<<dim3(count, heads), 256, 0, static_cast<cudaStream_t>(stream)>>>(
      *st, heads, dqk, dv, slots, stateElemBytes(st->dtype));
  return finishLaunch();
}

extern "C" int xlstm_slstm_reset_slots(const xlstm_slstm_state* st, int32_t heads,
                                       int32_t headDim, const int32_t* slots, int32_t count,
                                       void* stream) {
  if (!st || !slots || !st->h || !st->c || !st->n || !st->m || heads < 1 || headDim < 1 ||
      count < 0 || !kvsim_xlstm_host::isStateDtype(st->dtype))
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (count == 0) return XLSTM_OK;
  if (heads > 65535) return XLSTM_ERR_UNSUPPORTED_SHAPE;
  slstmResetKernel<<<dim3(count, heads), 256, 0, static_cast<cudaStream_t>(stream)>>>(
      *st, heads, headDim, slots, stateElemBytes(st->dtype));
  return finishLaunch();
}

extern "C" int xlstm_fill_random(void* p, int64_t count, xlstm_dtype dt, uint32_t seed,
                                 float amplitude, void* stream) {
  if (!p || count < 0 || (dt != XLSTM_F32 && dt != XLSTM_BF16 && dt != XLSTM_F16))
    return XLSTM_ERR_INVALID_ARGUMENT;
  if (count == 0) return XLSTM_OK;
  fillRandomKernel<<<1024, 256, 0, static_cast<cudaStream_t>(stream)>>>(p, (size_t)count, dt, seed,
                                                                         amplitude);
  return finishLaunch();
}

extern "C" int64_t xlstm_mlstm_slot_bytes(int32_t heads, int32_t dqk, int32_t dv,
                                          xlstm_dtype d) {
  const int64_t e = d == XLSTM_F32 ? 4 : 2;
  return (int64_t)heads * ((int64_t)dqk * dv * e + (int64_t)dqk * e + 4);
}

extern "C" int64_t xlstm_slstm_slot_bytes(int32_t heads, int32_t headDim, xlstm_dtype d) {
  const int64_t e = d == XLSTM_F32 ? 4 : 2;
  return (int64_t)heads * headDim * (3 * e + 4);
}

extern "C" const char* xlstm_status_string(int s) {
  switch (s) {
    case XLSTM_OK: return "ok";
    case XLSTM_ERR_INVALID_ARGUMENT: return "invalid argument (null pointer, non-positive size or bad dtype)";
    case XLSTM_ERR_UNSUPPORTED_SHAPE: return "shape outside the kernel's limits (see xlstm.h)";
    case XLSTM_ERR_CUDA: return "CUDA launch failed (see xlstm_last_cuda_error)";
    default: return "unknown xlstm status";
  }
}

extern "C" int xlstm_last_cuda_error(void) { return kvsim_xlstm_host::lastCudaError; }
