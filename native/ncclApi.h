// NCCL reached at run time with dlopen, like cuBLAS (cublasApi.h): the addon builds where no NCCL is
// installed (CI, the CPU machines) and uses it where a library exists (the GPU machines carry
// libnccl.so.2 with PyTorch). Only the calls the all-reduce benchmark needs are declared, with the
// values of NCCL's public ABI (nccl.h: ncclDataType_t, ncclRedOp_t, ncclResult_t).
#pragma once
#include <cuda_runtime_api.h>

#include <string>
#include <vector>

typedef struct ncclComm* ncclComm_t;

struct NcclApi {
  int (*getVersion)(int*);
  int (*commInitAll)(ncclComm_t*, int, const int*);
  int (*commDestroy)(ncclComm_t);
  int (*allReduce)(const void*, void*, size_t, int datatype, int op, ncclComm_t, cudaStream_t);
  int (*groupStart)();
  int (*groupEnd)();
  const char* (*getErrorString)(int);
  std::string library;  // the file that was opened
};

constexpr int kNcclSuccess = 0;
constexpr int kNcclBfloat16 = 9;
constexpr int kNcclSum = 0;

// Opens NCCL once, trying `candidates` (paths or names) in order, then libnccl.so.2 and libnccl.so.
// Returns null when none opens or a symbol is missing; NcclUnavailableReason() says why.
const NcclApi* Nccl(const std::vector<std::string>& candidates);
std::string NcclUnavailableReason();
