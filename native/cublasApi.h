// cuBLAS reached at run time with dlopen, like the driver API: the addon builds on machines whose CUDA
// toolkit has no cuBLAS (the CPU machines here and CI) and still uses cuBLAS where the library exists
// (the GPU machine has libcublas.so.13). Only the handful of calls the GPU executor needs are declared,
// with the values of cuBLAS's public ABI (cublas_api.h).
#pragma once
#include <cuda_runtime_api.h>

#include <string>

typedef struct cublasContext* cublasHandle_t;

struct CublasApi {
  int (*create)(cublasHandle_t*);
  int (*destroy)(cublasHandle_t);
  int (*setStream)(cublasHandle_t, cudaStream_t);
  int (*setWorkspace)(cublasHandle_t, void*, size_t);
  int (*gemmEx)(cublasHandle_t, int transa, int transb, int m, int n, int k, const void* alpha, const void* A,
                int Atype, int lda, const void* B, int Btype, int ldb, const void* beta, void* C, int Ctype, int ldc,
                int computeType, int algo);
  std::string library;  // the file that was opened
};

// cuBLAS ABI constants (cublas_api.h / library_types.h).
constexpr int kCublasOpN = 0;
constexpr int kCublasOpT = 1;
constexpr int kCudaR16BF = 14;
constexpr int kCudaR16F = 2;
constexpr int kCublasCompute32F = 68;
constexpr int kCublasGemmDefault = -1;

// The loaded library or null; CublasUnavailableReason() says why.
const CublasApi* Cublas();
std::string CublasUnavailableReason();
