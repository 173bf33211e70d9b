// The matrix-unit ceiling for the prefill numbers: a large fp16 and bf16 GEMM through cuBLAS
// (fp32 accumulation), random inputs, CUDA events, median of 20 after warm-up.
// Built only where cuBLAS exists (the GPU machine).
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CK(x)                                                                         \
  do {                                                                                \
    cudaError_t e = (x);                                                              \
    if (e != cudaSuccess) {                                                           \
      std::printf("CUDA error %s at line %d\n", cudaGetErrorString(e), __LINE__);     \
      std::exit(3);                                                                   \
    }                                                                                 \
  } while (0)
#define CB(x)                                                                         \
  do {                                                                                \
    cublasStatus_t s = (x);                                                           \
    if (s != CUBLAS_STATUS_SUCCESS) {                                                 \
      std::printf("cuBLAS error %d at line %d\n", (int)s, __LINE__);                  \
      std::exit(3);                                                                   \
    }                                                                                 \
  } while (0)

__global__ void fillRandom(uint16_t* p, size_t n, int bf16) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    unsigned long long z = (i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z ^= z >> 31;
    const float x = ((float)(z >> 40) / 16777216.0f) * 2.0f - 1.0f;
    if (bf16) {
      __nv_bfloat16 b = __float2bfloat16_rn(x);
      p[i] = *reinterpret_cast<uint16_t*>(&b);
    } else {
      __half h = __float2half_rn(x);
      p[i] = *reinterpret_cast<uint16_t*>(&h);
    }
  }
}

int main() {
  const int n = 8192;
  const size_t elems = (size_t)n * n;
  uint16_t *a, *b, *c;
  CK(cudaMalloc(&a, elems * 2));
  CK(cudaMalloc(&b, elems * 2));
  CK(cudaMalloc(&c, elems * 2));
  cublasHandle_t h;
  CB(cublasCreate(&h));
  for (int bf16 = 0; bf16 < 2; ++bf16) {
    fillRandom<<<1024, 256>>>(a, elems, bf16);
    fillRandom<<<1024, 256>>>(b, elems, bf16);
    CK(cudaGetLastError());
    const cudaDataType_t t = bf16 ? CUDA_R_16BF : CUDA_R_16F;
    const float alpha = 1.f, beta = 0.f;
    auto gemm = [&]() {
      CB(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &alpha, a, t, n, b, t, n, &beta, c, t, n,
                      CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
    };
    for (int i = 0; i < 5; ++i) gemm();
    CK(cudaDeviceSynchronize());
    cudaEvent_t e0, e1;
    CK(cudaEventCreate(&e0));
    CK(cudaEventCreate(&e1));
    std::vector<float> ms;
    for (int i = 0; i < 20; ++i) {
      CK(cudaEventRecord(e0));
      gemm();
      CK(cudaEventRecord(e1));
      CK(cudaEventSynchronize(e1));
      float t_ = 0;
      CK(cudaEventElapsedTime(&t_, e0, e1));
      ms.push_back(t_);
    }
    std::sort(ms.begin(), ms.end());
    const double med = 0.5 * (ms[9] + ms[10]);
    std::printf("BENCH gemm %s %dx%dx%d ms=%.4f TFLOP/s=%.1f (cuBLAS)\n", bf16 ? "bf16" : "f16", n, n, n, med,
                2.0 * n * n * (double)n / (med * 1e-3) / 1e12);
  }
  cublasDestroy(h);
  return 0;
}
