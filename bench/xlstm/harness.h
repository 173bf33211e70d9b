// Plumbing for the xLSTM bench harness: error checks, random numbers, element conversion,
// device buffers, event timing.
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "../../kernels/xlstm/xlstm.h"

#define CK(x)                                                                              \
  do {                                                                                     \
    cudaError_t e_ = (x);                                                                  \
    if (e_ != cudaSuccess) {                                                               \
      std::fprintf(stderr, "CUDA error %s at %s:%d: %s\n", #x, __FILE__, __LINE__,         \
                   cudaGetErrorString(e_));                                                \
      std::exit(2);                                                                        \
    }                                                                                      \
  } while (0)

#define XK(x)                                                                              \
  do {                                                                                     \
    int s_ = (x);                                                                          \
    if (s_ != XLSTM_OK) {                                                                  \
      std::fprintf(stderr, "xlstm error %s at %s:%d: %s (cuda %d: %s)\n", #x, __FILE__,      \
                   __LINE__, xlstm_status_string(s_), xlstm_last_cuda_error(),             \
                   cudaGetErrorString((cudaError_t)xlstm_last_cuda_error()));              \
      std::exit(2);                                                                        \
    }                                                                                      \
    CK(cudaGetLastError());                                                                \
  } while (0)

struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
  double normal() {
    const double u1 = uniform() + 1e-300, u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  int below(int n) { return (int)(next() % (uint64_t)n); }
};

size_t dtypeBytes(xlstm_dtype d);
const char* dtypeName(xlstm_dtype d);

// Host array of elements of a kernel dtype; set() rounds, get() returns the stored value.
struct HostArr {
  xlstm_dtype dt = XLSTM_F32;
  size_t n = 0;
  std::vector<uint8_t> bytes;
  HostArr() = default;
  HostArr(xlstm_dtype d, size_t count) : dt(d), n(count), bytes(count * dtypeBytes(d)) {}
  void set(size_t i, double v);
  double get(size_t i) const;
};

struct DevBuf {
  void* p = nullptr;
  size_t bytes = 0;
  DevBuf() = default;
  explicit DevBuf(size_t b) : bytes(b) { CK(cudaMalloc(&p, b < 16 ? 16 : b)); }
  ~DevBuf() { if (p) cudaFree(p); }
  DevBuf(const DevBuf&) = delete;
  DevBuf& operator=(const DevBuf&) = delete;
  template <typename T> T* as() const { return static_cast<T*>(p); }
  void up(const void* h) { CK(cudaMemcpy(p, h, bytes, cudaMemcpyHostToDevice)); }
  void down(void* h) const { CK(cudaMemcpy(h, p, bytes, cudaMemcpyDeviceToHost)); }
  void poison() { CK(cudaMemset(p, 0xFF, bytes)); }  // NaN in fp32, bf16 and fp16
};

// ||out - ref|| / ||ref||; +inf if out has a non-finite value where ref is finite.
double relErr(const std::vector<double>& out, const std::vector<double>& ref);

// An sLSTM step variant's name for check and bench lines, as it runs with these arguments: "coop->new"
// where the coop variant runs new instead (xlstm_slstm_coop_cooperative), so no line says coop for
// what new did.
std::string slstmVariantLabel(int variant, const xlstm_slstm_step_args& a);

// Median time in ms of fn over `reps` runs after `warm` runs, one event pair per run.
double medianMs(const std::function<void()>& fn, int warm, int reps);

// One line of the final table.
struct Row {
  std::string what, shape;
  double timeUs, gbps, pctCopy, tflops;
};
