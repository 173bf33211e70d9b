#include "harness.h"

#include "../../kernels/xlstm/xlstmInternal.h"

#include <cuda_fp16.h>

#include <algorithm>
#include <cstring>

size_t dtypeBytes(xlstm_dtype d) { return d == XLSTM_F32 ? 4 : 2; }

const char* dtypeName(xlstm_dtype d) {
  return d == XLSTM_F32 ? "f32" : d == XLSTM_BF16 ? "bf16" : "f16";
}

static uint16_t floatToBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;  // NaN
  u += 0x7fffu + ((u >> 16) & 1u);                     // round to nearest even
  return (uint16_t)(u >> 16);
}

static float bf16ToFloat(uint16_t b) {
  uint32_t u = (uint32_t)b << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

void HostArr::set(size_t i, double v) {
  if (dt == XLSTM_F32) {
    float f = (float)v;
    std::memcpy(&bytes[i * 4], &f, 4);
  } else if (dt == XLSTM_BF16) {
    uint16_t b = floatToBf16((float)v);
    std::memcpy(&bytes[i * 2], &b, 2);
  } else {
    __half h = __float2half_rn((float)v);
    std::memcpy(&bytes[i * 2], &h, 2);
  }
}

double HostArr::get(size_t i) const {
  if (dt == XLSTM_F32) {
    float f;
    std::memcpy(&f, &bytes[i * 4], 4);
    return f;
  }
  if (dt == XLSTM_BF16) {
    uint16_t b;
    std::memcpy(&b, &bytes[i * 2], 2);
    return bf16ToFloat(b);
  }
  __half h;
  std::memcpy(&h, &bytes[i * 2], 2);
  return __half2float(h);
}

double relErr(const std::vector<double>& out, const std::vector<double>& ref) {
  double num = 0.0, den = 0.0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (!std::isfinite(out[i]) && std::isfinite(ref[i])) return INFINITY;
    const double d = out[i] - ref[i];
    num += d * d;
    den += ref[i] * ref[i];
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

double medianMs(const std::function<void()>& fn, int warm, int reps) {
  for (int i = 0; i < warm; ++i) fn();
  CK(cudaDeviceSynchronize());
  std::vector<cudaEvent_t> ev(2 * reps);
  for (auto& e : ev) CK(cudaEventCreate(&e));
  for (int i = 0; i < reps; ++i) {
    CK(cudaEventRecord(ev[2 * i]));
    fn();
    CK(cudaEventRecord(ev[2 * i + 1]));
  }
  CK(cudaDeviceSynchronize());
  CK(cudaGetLastError());
  std::vector<double> ms(reps);
  for (int i = 0; i < reps; ++i) {
    float t;
    CK(cudaEventElapsedTime(&t, ev[2 * i], ev[2 * i + 1]));
    ms[i] = t;
  }
  for (auto& e : ev) CK(cudaEventDestroy(e));
  std::sort(ms.begin(), ms.end());
  return ms[reps / 2];
}

std::string slstmVariantLabel(int variant, const xlstm_slstm_step_args& a) {
  std::string name = xlstm_slstm_variant_name(variant);
  if (name == "coop") {
    const int r = xlstm_slstm_coop_cooperative(&a);
    if (r == 0) name += "->new";
    else if (r < 0) name += "(?)";  // the query failed; the step itself reports its own errors
  }
  return name;
}

// checks.h: the harness's prefill algorithm codes. The tfla variants' entry skips
// xlstm_mlstm_prefill's shared argument checks (the harness passes only arguments that call accepts)
// and applies tfla's own shape limits as xlstm_mlstm_prefill_tfla does, so a refused shape reports
// the same status.
#include "checks.h"
int runPrefillAlgorithm(xlstm_mlstm_prefill_args& a, int algorithm, void* stream) {
  a.algorithm = publicPrefillAlgorithm(algorithm);
  if (algorithm != kPrefillTflaV2) return xlstm_mlstm_prefill(&a, stream);
  return xlstm_mlstm_prefill_tfla_variant(&a, stream, nullptr, kTflaV2Flags);
}
