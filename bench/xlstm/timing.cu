// Timings: device copy ceiling, mLSTM step (bandwidth), mLSTM prefill (TFLOP/s), sLSTM step.
// Working sets are kept several times the L2 by rotating over independent "layers" (distinct
// state slots, weights and inputs), as a real model's consecutive layers would.

#include <cuda_bf16.h>

#include <algorithm>
#include <memory>

#include "../../kernels/xlstm/xlstmInternal.h"
#include "checks.h"  // prefillAlgorithmName
#include "timing.h"

namespace {

__global__ void fillKernel(void* p, size_t n, int elemBytes, uint32_t seed, float amp) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
       i += (size_t)gridDim.x * blockDim.x) {
    uint32_t x = (uint32_t)i * 2654435761u ^ seed;
    x ^= x >> 16; x *= 0x7feb352du; x ^= x >> 15; x *= 0x846ca68bu; x ^= x >> 16;
    const float v = amp * ((x >> 8) * (1.0f / 16777216.0f) * 2.0f - 1.0f);
    if (elemBytes == 4) static_cast<float*>(p)[i] = v;
    else static_cast<__nv_bfloat16*>(p)[i] = __float2bfloat16(v);
  }
}

// Pseudo-random, non-zero contents (zeros can run faster than real data).
void fillRandom(DevBuf& b, int elemBytes, uint32_t seed, float amp) {
  fillKernel<<<1024, 256>>>(b.p, b.bytes / elemBytes, elemBytes, seed, amp);
  CK(cudaGetLastError());
}

std::vector<int32_t> identitySlots(int n) {
  std::vector<int32_t> s(n);
  for (int i = 0; i < n; ++i) s[i] = i;
  return s;
}

int layersFor(double bytesPerLayer, double l2Bytes) {
  return std::max(1, (int)std::ceil(4.0 * l2Bytes / bytesPerLayer));
}

}  // namespace

double measureCopyGBs(size_t bytes) {
  DevBuf a(bytes), b(bytes);
  fillRandom(a, 4, 1, 1.0f);
  const double ms = medianMs([&] { CK(cudaMemcpyAsync(b.p, a.p, bytes, cudaMemcpyDeviceToDevice)); },
                             3, 20);
  return 2.0 * bytes / (ms * 1e-3) / 1e9;
}

Row benchMlstmStep(const BenchEnv& env, int B, xlstm_dtype st, int streaming, int unroll) {
  const int H = 8, dqk = 256, dv = 512;
  const double slotBytes = (double)xlstm_mlstm_slot_bytes(H, dqk, dv, st);
  const double ioBytes = (double)B * H * ((2.0 * dqk + 2.0 * dv) * 2 + 8) + 4.0 * B;
  const double bytes = 2.0 * B * slotBytes + ioBytes;  // state read + written, inputs, outputs
  const int L = layersFor(B * slotBytes, env.l2Bytes);
  const size_t eb = dtypeBytes(st);
  DevBuf C((size_t)L * B * H * dqk * dv * eb), n((size_t)L * B * H * dqk * eb), m((size_t)L * B * H * 4);
  fillRandom(C, (int)eb, 2, 0.5f);
  fillRandom(n, (int)eb, 3, 1.0f);
  fillRandom(m, 4, 4, 2.0f);
  DevBuf q((size_t)L * B * H * dqk * 2), k(q.bytes), v((size_t)L * B * H * dv * 2), h(v.bytes);
  DevBuf ig((size_t)L * B * H * 4), fg(ig.bytes), slots((size_t)B * 4);
  fillRandom(q, 2, 5, 1.0f); fillRandom(k, 2, 6, 1.0f); fillRandom(v, 2, 7, 1.0f);
  fillRandom(ig, 4, 8, 3.0f); fillRandom(fg, 4, 9, 3.0f);
  auto s = identitySlots(B);
  slots.up(s.data());
  std::vector<xlstm_mlstm_step_args> args(L);
  for (int l = 0; l < L; ++l) {
    auto& a = args[l];
    a = xlstm_mlstm_step_args{};
    a.batch = B; a.heads = H; a.dqk = dqk; a.dv = dv; a.inputDtype = XLSTM_BF16;
    const size_t o = (size_t)l * B * H;
    a.q = q.as<char>() + o * dqk * 2; a.k = k.as<char>() + o * dqk * 2;
    a.v = v.as<char>() + o * dv * 2; a.h = h.as<char>() + o * dv * 2;
    a.igatePre = ig.as<float>() + o; a.fgatePre = fg.as<float>() + o;
    a.slots = slots.as<int32_t>(); a.gateSoftCap = 15.0f;
    a.state.C = C.as<char>() + o * dqk * dv * eb; a.state.n = n.as<char>() + o * dqk * eb;
    a.state.m = m.as<float>() + o; a.state.numSlots = B; a.state.dtype = st;
  }
  const double ms = medianMs([&] {
    for (int l = 0; l < L; ++l) XK(xlstm_mlstm_step_variant(&args[l], nullptr, streaming, unroll));
  }, 3, 30) / L;
  Row r;
  char name[96], shape[96];
  std::snprintf(name, sizeof name, "mLSTM step state=%s s%d u%d", dtypeName(st), streaming, unroll);
  std::snprintf(shape, sizeof shape, "B=%d H=8 256x512 (x%d layers)", B, L);
  r.what = name; r.shape = shape;
  r.timeUs = ms * 1e3;
  r.gbps = bytes / (ms * 1e-3) / 1e9;
  r.pctCopy = 100.0 * r.gbps / env.copyGBs;
  r.tflops = 0.0;
  return r;
}

// tfla's three kernels timed apart (events recorded between them in the stream, 15 calls, the median
// of each part), printed as one line: where the time goes, for the next version's target.
static void printTflaParts(const xlstm_mlstm_prefill_args& a, int B, int S, xlstm_dtype st, bool v2) {
  constexpr int kReps = 15;
  std::vector<cudaEvent_t> ev(4 * kReps);
  for (auto& e : ev) CK(cudaEventCreate(&e));
  for (int r = 0; r < kReps; ++r) {
    void* marks[4];
    for (int i = 0; i < 4; ++i) marks[i] = ev[4 * r + i];
    XK(xlstm_mlstm_prefill_tfla_variant(&a, nullptr, marks, v2 ? kTflaV2Flags : 0));
  }
  CK(cudaDeviceSynchronize());
  // v2: one fused state pass (its time on the first part, the second part's events are back to back),
  // then the wide output kernel.
  const char* split[3] = {"chunk state", "scan", "output"};
  const char* joined[3] = {"fused state pass", "(none)", "wide output"};
  const char* const* names = v2 ? joined : split;
  std::printf("%s parts B=%d S=%d state=%s (median of %d):", v2 ? "tfla-v2" : "tfla-split", B, S, dtypeName(st), kReps);
  for (int part = 0; part < 3; ++part) {
    std::vector<double> us(kReps);
    for (int r = 0; r < kReps; ++r) {
      float t;
      CK(cudaEventElapsedTime(&t, ev[4 * r + part], ev[4 * r + part + 1]));
      us[r] = t * 1e3;
    }
    std::sort(us.begin(), us.end());
    std::printf(" %s %.1f us%s", names[part], us[kReps / 2], part < 2 ? "," : "\n");
  }
  for (auto& e : ev) CK(cudaEventDestroy(e));
}

Row benchMlstmPrefill(const BenchEnv& env, int B, int S, xlstm_dtype st, int algorithm, bool once) {
  const int H = 8, dqk = 256, dv = 512, Lc = 64;
  DevBuf C((size_t)B * H * dqk * dv * dtypeBytes(st)), n((size_t)B * H * dqk * dtypeBytes(st)),
      m((size_t)B * H * 4);
  const size_t tok = (size_t)B * S * H;
  DevBuf q(tok * dqk * 2), k(q.bytes), v(tok * dv * 2), h(v.bytes), ig(tok * 4), fg(tok * 4);
  DevBuf slots((size_t)B * 4);
  fillRandom(q, 2, 11, 1.0f); fillRandom(k, 2, 12, 1.0f); fillRandom(v, 2, 13, 1.0f);
  fillRandom(ig, 4, 14, 3.0f); fillRandom(fg, 4, 15, 3.0f);
  auto s = identitySlots(B);
  slots.up(s.data());
  auto reset = [&] {
    fillRandom(C, (int)dtypeBytes(st), 16, 0.5f);
    fillRandom(n, (int)dtypeBytes(st), 17, 1.0f);
    fillRandom(m, 4, 18, 1.0f);
  };
  reset();
  xlstm_mlstm_prefill_args a{};
  a.batch = B; a.seqLen = S; a.heads = H; a.dqk = dqk; a.dv = dv; a.inputDtype = XLSTM_BF16;
  a.q = q.p; a.k = k.p; a.v = v.p; a.h = h.p; a.igatePre = ig.as<float>(); a.fgatePre = fg.as<float>();
  a.slots = slots.as<int32_t>(); a.gateSoftCap = 15.0f;
  a.state.C = C.p; a.state.n = n.p; a.state.m = m.as<float>(); a.state.numSlots = B; a.state.dtype = st;
  a.algorithm = publicPrefillAlgorithm(algorithm);
  const int64_t wsBytes = xlstm_mlstm_prefill_workspace_bytes(B, S, H, dqk, dv, a.algorithm);
  if (wsBytes < 0) {
    std::fprintf(stderr, "xlstm_mlstm_prefill_workspace_bytes refused B=%d S=%d algorithm %d\n", B,
                 S, algorithm);
    std::exit(2);
  }
  // Allocated once here (0 bytes for sequential: nothing to allocate).
  std::unique_ptr<DevBuf> ws;
  if (wsBytes > 0) {
    ws.reset(new DevBuf((size_t)wsBytes));
    a.workspace = ws->p;
    a.workspaceBytes = wsBytes;
  }
  const double ms = medianMs([&] { XK(runPrefillAlgorithm(a, algorithm, nullptr)); }, once ? 0 : 2,
                             once ? 1 : kPrefillMedianReps);
  if (isTflaAlgorithm(algorithm) && !once) printTflaParts(a, B, S, st, algorithm == kPrefillTflaV2);
  // Model FLOPs of the sequential kernel's chunkwise form (L = 64, dense intra-chunk matrices):
  // QK^T 2L^2 dqk, PV 2L^2 dv, Q C 2L dqk dv, state update 2L dqk dv, per chunk and head. The
  // same count for tfla (whose 256-token chunks do other work), so TFLOP/s compare as 1 / time.
  const double chunks = std::ceil((double)S / Lc);
  const double flops = (double)B * H * chunks *
                       (2.0 * Lc * Lc * dqk + 2.0 * Lc * Lc * dv + 4.0 * Lc * dqk * dv);
  Row r;
  char name[96], shape[96];
  std::snprintf(name, sizeof name, "mLSTM prefill %s state=%s", prefillAlgorithmName(algorithm),
                dtypeName(st));
  std::snprintf(shape, sizeof shape, "B=%d S=%d H=8 256x512", B, S);
  r.what = name; r.shape = shape;
  r.timeUs = ms * 1e3;
  r.tflops = flops / (ms * 1e-3) / 1e12;
  const double bytes = (double)tok * (2.0 * dqk + 2.0 * dv) * 2 + tok * 8.0 +
                       2.0 * B * xlstm_mlstm_slot_bytes(H, dqk, dv, st);
  r.gbps = bytes / (ms * 1e-3) / 1e9;
  r.pctCopy = 100.0 * r.gbps / env.copyGBs;
  return r;
}

// sLSTM step rows for `variants` on the same buffers (one row each, in that order). Each variant is
// timed twice, in the order v0..vn then vn..v0, and keeps the lower median, so a drift of the card
// over the measurement does not favour the variant timed first.
static std::vector<Row> benchSlstmStepRows(const BenchEnv& env, int B, xlstm_dtype st, bool once,
                                           const std::vector<int>& variants) {
  const int H = 4, dh = 512;
  const double wBytes = 4.0 * H * dh * dh * 2;
  const double sBytes = (double)B * xlstm_slstm_slot_bytes(H, dh, st);
  const double ioBytes = (double)B * H * dh * (4 + 1) * 2 + 4.0 * H * dh * 4;
  const double bytes = wBytes + 2.0 * sBytes + ioBytes;
  const int L = once ? 1 : layersFor(wBytes + sBytes + ioBytes, env.l2Bytes);
  const size_t eb = dtypeBytes(st), pe = (size_t)L * B * H * dh;
  DevBuf R((size_t)L * 4 * H * dh * dh * 2), bias((size_t)L * 4 * H * dh * 4);
  DevBuf ph(pe * eb), pc(pe * eb), pn(pe * eb), pm(pe * 4), x(pe * 4 * 2), y(pe * 2);
  DevBuf slots((size_t)B * 4), ws((size_t)xlstm_slstm_workspace_bytes(B, H, dh));
  fillRandom(R, 2, 21, 0.08f); fillRandom(bias, 4, 22, 0.5f);
  fillRandom(ph, (int)eb, 23, 0.9f); fillRandom(pc, (int)eb, 24, 1.0f);
  fillRandom(pn, (int)eb, 25, 1.0f); fillRandom(pm, 4, 26, 1.0f); fillRandom(x, 2, 27, 1.0f);
  auto s = identitySlots(B);
  slots.up(s.data());
  std::vector<xlstm_slstm_step_args> args(L);
  for (int l = 0; l < L; ++l) {
    auto& a = args[l];
    a = xlstm_slstm_step_args{};
    a.batch = B; a.heads = H; a.headDim = dh; a.inputDtype = XLSTM_BF16;
    const size_t o = (size_t)l * B * H * dh;
    a.xPre = x.as<char>() + o * 4 * 2; a.R = R.as<char>() + (size_t)l * 4 * H * dh * dh * 2;
    a.bias = bias.as<float>() + (size_t)l * 4 * H * dh; a.slots = slots.as<int32_t>();
    a.workspace = ws.p;
    a.y = y.as<char>() + o * 2;
    a.state.h = ph.as<char>() + o * eb; a.state.c = pc.as<char>() + o * eb;
    a.state.n = pn.as<char>() + o * eb; a.state.m = pm.as<float>() + o;
    a.state.numSlots = B; a.state.dtype = st;
  }
  // A created (blocking) stream rather than the legacy default one, as the model's executor uses:
  // programmatic dependent launch is a property of launches in one stream. medianMs's events on the
  // legacy stream still order against it.
  cudaStream_t stream;
  CK(cudaStreamCreate(&stream));
  const size_t nv = variants.size();
  std::vector<double> best(nv, 1e30);
  for (int pass = 0; pass < (once ? 1 : 2); ++pass)
    for (size_t k = 0; k < nv; ++k) {
      const size_t vi = pass == 0 ? k : nv - 1 - k;
      const int v = variants[vi];
      const double ms = medianMs([&] {
        for (int l = 0; l < L; ++l) XK(xlstm_slstm_step_variant(&args[l], stream, v));
      }, once ? 0 : 3, once ? 1 : 30) / L;
      best[vi] = std::min(best[vi], ms);
    }
  // The same bytes moved by a plain copy, one per layer in the same rotation and stream (the step's
  // working set, read + written): what "% of copy" can reach at this size, where launch gaps and
  // ramp-up weigh against the 1-GiB copy the other rows are a share of. Timed after the variants,
  // twice, the lower median kept. Not in `once` (profiler) runs.
  double copyMs = 0.0;
  if (!once) {
    const size_t cb = (size_t)(bytes / 2.0) & ~(size_t)255;  // read cb + write cb = the step's bytes
    DevBuf src((size_t)L * cb), dst((size_t)L * cb);
    fillRandom(src, 4, 28, 1.0f);
    copyMs = 1e30;
    for (int pass = 0; pass < 2; ++pass)
      copyMs = std::min(copyMs, medianMs([&] {
        for (int l = 0; l < L; ++l)
          CK(cudaMemcpyAsync(dst.as<char>() + (size_t)l * cb, src.as<char>() + (size_t)l * cb, cb,
                             cudaMemcpyDeviceToDevice, stream));
      }, 3, 30) / L);
  }
  CK(cudaStreamDestroy(stream));
  std::vector<Row> rows;
  if (!once) {
    Row r;
    char shape[96];
    std::snprintf(shape, sizeof shape, "B=%d: the step's %.1f MB (x%d layers)", B, bytes / 1e6, L);
    r.what = "copy, same bytes as the sLSTM step";
    r.shape = shape;
    r.timeUs = copyMs * 1e3;
    r.gbps = bytes / (copyMs * 1e-3) / 1e9;
    r.pctCopy = 100.0 * r.gbps / env.copyGBs;
    r.tflops = 0.0;
    rows.push_back(r);
  }
  for (size_t vi = 0; vi < nv; ++vi) {
    const double ms = best[vi];
    Row r;
    char name[96], shape[96];
    std::snprintf(name, sizeof name, "sLSTM step state=%s %s", dtypeName(st),
                  slstmVariantLabel(variants[vi], args[0]).c_str());
    std::snprintf(shape, sizeof shape, "B=%d H=4 dh=512 (x%d layers)", B, L);
    r.what = name; r.shape = shape;
    r.timeUs = ms * 1e3;
    r.gbps = bytes / (ms * 1e-3) / 1e9;
    r.pctCopy = 100.0 * r.gbps / env.copyGBs;
    r.tflops = 2.0 * B * H * 4.0 * dh * dh / (ms * 1e-3) / 1e12;
    rows.push_back(r);
  }
  return rows;
}

// The variant xlstm_slstm_step runs (KVSIM_SLSTM_VARIANT; --profile-slstm profiles this one).
Row benchSlstmStep(const BenchEnv& env, int B, xlstm_dtype st, bool once) {
  return benchSlstmStepRows(env, B, st, once, {xlstm_slstm_default_variant()}).back();
}

// A same-bytes copy row, then every variant, on adjacent rows named by the variant (bench/xlstm/main.cu declares it locally).
std::vector<Row> benchSlstmStepVariants(const BenchEnv& env, int B, xlstm_dtype st) {
  std::vector<int> all;
  for (int v = 0; v < xlstm_slstm_variant_count(); ++v) all.push_back(v);
  return benchSlstmStepRows(env, B, st, false, all);
}
