// kernels_check: correctness checks and timings of the kvsim attention kernels.
//   kernels_check check [seed]   float64-reference checks, PASS/FAIL per case (exit 1 on any FAIL)
//   kernels_check bench          timings (BENCH lines)
//   kernels_check all [seed]     both
//   kernels_check prefill        the prefill timings only
#include <cstring>

#include "harness.h"

int runChecks(uint64_t seed);
int runBenches();
int runPrefillBenches();
int runPrefillSweep();

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "all";
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20261126ull;
  int dev = 0, n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
    std::printf("SKIP no CUDA device\n");
    return 2;
  }
  cudaDeviceProp prop;
  CK(cudaGetDeviceProperties(&prop, dev));
  std::printf("DEVICE %s sm_%d%d SMs=%d L2=%d MiB mem=%.1f GiB\n", prop.name, prop.major, prop.minor,
              prop.multiProcessorCount, prop.l2CacheSize >> 20, prop.totalGlobalMem / 1073741824.0);
  int rc = 0;
  if (!std::strcmp(mode, "check") || !std::strcmp(mode, "all")) rc |= runChecks(seed);
  if (!std::strcmp(mode, "bench") || !std::strcmp(mode, "all")) rc |= runBenches();
  if (!std::strcmp(mode, "prefill")) rc |= runPrefillBenches();
  if (!std::strcmp(mode, "sweep")) rc |= runPrefillSweep();
  return rc;
}
