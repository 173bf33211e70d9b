// Exposes the xLSTM kernels (kernels/xlstm, plain C ABI) to JS:
//   xlstmRun(options)   one mLSTM step, mLSTM prefill or sLSTM step on host arrays: uploads the
//                       inputs and the state pool, poisons the output with NaN, runs, downloads
//                       the output (returned) and the state (written back into the given arrays).
//   xlstmBench(options) a timed kernel on device-generated random data (or a device copy, the
//                       bandwidth ceiling): CUDA events after warm-up, median of reps; working sets
//                       rotate over independent layers so they exceed the L2 several times.
//   xlstmMlstmPrefillAlgorithm(algorithm) the name of the mLSTM prefill kernel xlstm_mlstm_prefill
//                       runs for this algorithm value (0 auto, 1 sequential, 2 tfla): "sequential" or
//                       "tfla", for auto the length rule the call applies; provenance for profiles.
//   xlstmMlstmPrefillWorkspaceBytes(shape) xlstm_mlstm_prefill_workspace_bytes (host arithmetic).
//   xlstmSlstmStepVariant() the sLSTM step variant xlstm_slstm_step runs (KVSIM_SLSTM_VARIANT).
// TypeScript (src/gpu/xlstmKernels.ts) validates options first; this file only guards misuse.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cudaError.h"
#include "modules.h"
#include "xlstm/xlstm.h"

namespace {

struct DevMem {
  void* p = nullptr;
  size_t bytes = 0;
  DevMem() = default;
  DevMem(size_t n, const char* what) : bytes(n) {
    CheckRuntime(cudaMalloc(&p, std::max<size_t>(n, 16)), "cudaMalloc", std::string(what) + " bytes=" + std::to_string(n));
  }
  DevMem(const DevMem&) = delete;
  DevMem& operator=(const DevMem&) = delete;
  DevMem(DevMem&& o) noexcept : p(o.p), bytes(o.bytes) { o.p = nullptr; }
  ~DevMem() {
    if (p) cudaFree(p);
  }
};

void CheckX(int rc, const char* call, const std::string& args) {
  if (rc == XLSTM_OK) return;
  if (rc == XLSTM_ERR_CUDA) CheckRuntime(static_cast<cudaError_t>(xlstm_last_cuda_error()), call, args);
  ThrowState(call, args, xlstm_status_string(rc));
}

// A typed array's bytes (any element type), or an empty view when absent and not required.
struct Bytes {
  void* data = nullptr;
  size_t size = 0;
};
Bytes PropBytes(const Napi::Object& o, const char* name, bool required) {
  Napi::Value v = o.Get(name);
  if (v.IsTypedArray()) {
    Napi::TypedArray t = v.As<Napi::TypedArray>();
    return {static_cast<uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset(), t.ByteLength()};
  }
  if (required) throw Napi::TypeError::New(o.Env(), std::string("kvsim native: option ") + name + " must be a typed array");
  return {};
}

DevMem Up(const Bytes& b, const char* what) {
  DevMem d(b.size, what);
  if (b.size) CheckRuntime(cudaMemcpy(d.p, b.data, b.size, cudaMemcpyHostToDevice), "cudaMemcpy", std::string(what) + " to device");
  return d;
}
void Down(const DevMem& d, const Bytes& b, const char* what) {
  if (b.size) CheckRuntime(cudaMemcpy(b.data, d.p, b.size, cudaMemcpyDeviceToHost), "cudaMemcpy", std::string(what) + " to host");
}

std::string Kind(const Napi::Object& o) {
  Napi::Value v = o.Get("kind");
  if (!v.IsString()) throw Napi::TypeError::New(o.Env(), "kvsim native: option kind must be a string");
  return v.As<Napi::String>().Utf8Value();
}

struct Dims {
  int batch, seqLen, heads, dqk, dv, headDim, numSlots;
  int algorithm;  // prefill: xlstm_prefill_algorithm (0 auto, 1 sequential, 2 tfla)
  xlstm_dtype in, st;
  float cap;
  std::string str() const {
    return "batch=" + std::to_string(batch) + " seqLen=" + std::to_string(seqLen) + " heads=" + std::to_string(heads) +
           " dqk=" + std::to_string(dqk) + " dv=" + std::to_string(dv) + " headDim=" + std::to_string(headDim) +
           " algorithm=" + std::to_string(algorithm);
  }
};
Dims ReadDims(const Napi::Object& o) {
  Dims d;
  d.batch = static_cast<int>(PropU64(o, "batch"));
  d.seqLen = static_cast<int>(PropU64(o, "seqLen"));
  d.heads = static_cast<int>(PropU64(o, "heads"));
  d.dqk = static_cast<int>(PropU64(o, "dqk"));
  d.dv = static_cast<int>(PropU64(o, "dv"));
  d.headDim = static_cast<int>(PropU64(o, "headDim"));
  d.numSlots = static_cast<int>(PropU64(o, "numSlots"));
  d.in = PropU64(o, "inputDtype") == 2 ? XLSTM_F16 : XLSTM_BF16;
  d.st = PropU64(o, "stateDtype") == 1 ? XLSTM_BF16 : XLSTM_F32;
  Napi::Value alg = o.Get("algorithm");
  d.algorithm = alg.IsNumber() ? alg.As<Napi::Number>().Int32Value() : XLSTM_PREFILL_AUTO;
  Napi::Value cap = o.Get("gateSoftCap");
  d.cap = cap.IsNumber() ? cap.As<Napi::Number>().FloatValue() : 0.0f;
  return d;
}

Napi::Value XlstmRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "kvsim native: xlstmRun(options)");
  Napi::Object o = info[0].As<Napi::Object>();
  const int device = static_cast<int>(PropU64(o, "device"));
  const std::string kind = Kind(o);
  const Dims d = ReadDims(o);
  const bool slstm = kind == "slstmStep";
  const Bytes slots = PropBytes(o, "slots", true), m = PropBytes(o, "m", true), n = PropBytes(o, "n", true);
  const Bytes C = PropBytes(o, "C", !slstm), h = PropBytes(o, "h", slstm), c = PropBytes(o, "c", slstm);
  const Bytes q = PropBytes(o, "q", !slstm), k = PropBytes(o, "k", !slstm), v = PropBytes(o, "v", !slstm);
  const Bytes ig = PropBytes(o, "igatePre", !slstm), fg = PropBytes(o, "fgatePre", !slstm);
  const Bytes x = PropBytes(o, "xPre", slstm), R = PropBytes(o, "R", slstm), bias = PropBytes(o, "bias", false);
  const size_t outElems = slstm ? (size_t)d.batch * d.heads * d.headDim : (size_t)d.batch * d.seqLen * d.heads * d.dv;
  return GuardNative(env, [&]() -> Napi::Value {
    CheckRuntime(cudaSetDevice(device), "cudaSetDevice", "device=" + std::to_string(device));
    DevMem dSlots = Up(slots, "slots"), dm = Up(m, "state m"), dn = Up(n, "state n");
    DevMem dout(outElems * 2, "output");
    CheckRuntime(cudaMemset(dout.p, 0xFF, dout.bytes), "cudaMemset", "output (NaN poison)");
    Napi::Uint16Array out = Napi::Uint16Array::New(env, outElems);
    if (slstm) {
      DevMem dh = Up(h, "state h"), dc = Up(c, "state c"), dx = Up(x, "xPre"), dR = Up(R, "R"), dbias = Up(bias, "bias");
      DevMem ws(static_cast<size_t>(xlstm_slstm_workspace_bytes(d.batch, d.heads, d.headDim)), "sLSTM workspace");
      xlstm_slstm_step_args a{};
      a.batch = d.batch; a.heads = d.heads; a.headDim = d.headDim; a.inputDtype = d.in;
      a.xPre = dx.p; a.R = dR.p; a.bias = bias.size ? static_cast<const float*>(dbias.p) : nullptr;
      a.slots = static_cast<const int32_t*>(dSlots.p); a.y = dout.p; a.workspace = ws.p;
      a.state = {dh.p, dc.p, dn.p, static_cast<float*>(dm.p), d.numSlots, d.st};
      CheckX(xlstm_slstm_step(&a, nullptr), "xlstm_slstm_step", d.str());
      CheckRuntime(cudaDeviceSynchronize(), "cudaDeviceSynchronize", "after xlstm_slstm_step");
      Down(dh, h, "state h");
      Down(dc, c, "state c");
    } else {
      DevMem dC = Up(C, "state C"), dq = Up(q, "q"), dk = Up(k, "k"), dv = Up(v, "v"), di = Up(ig, "igatePre"), df = Up(fg, "fgatePre");
      const xlstm_mlstm_state st{dC.p, dn.p, static_cast<float*>(dm.p), d.numSlots, d.st};
      if (kind == "mlstmStep") {
        xlstm_mlstm_step_args a{};
        a.batch = d.batch; a.heads = d.heads; a.dqk = d.dqk; a.dv = d.dv; a.inputDtype = d.in;
        a.q = dq.p; a.k = dk.p; a.v = dv.p; a.igatePre = static_cast<const float*>(di.p);
        a.fgatePre = static_cast<const float*>(df.p); a.slots = static_cast<const int32_t*>(dSlots.p);
        a.gateSoftCap = d.cap; a.h = dout.p; a.state = st;
        CheckX(xlstm_mlstm_step(&a, nullptr), "xlstm_mlstm_step", d.str());
      } else {
        xlstm_mlstm_prefill_args a{};
        a.batch = d.batch; a.seqLen = d.seqLen; a.heads = d.heads; a.dqk = d.dqk; a.dv = d.dv; a.inputDtype = d.in;
        a.q = dq.p; a.k = dk.p; a.v = dv.p; a.igatePre = static_cast<const float*>(di.p);
        a.fgatePre = static_cast<const float*>(df.p); a.slots = static_cast<const int32_t*>(dSlots.p);
        a.gateSoftCap = d.cap; a.h = dout.p; a.state = st; a.algorithm = d.algorithm;
        CheckX(xlstm_mlstm_prefill(&a, nullptr), "xlstm_mlstm_prefill", d.str());
      }
      CheckRuntime(cudaDeviceSynchronize(), "cudaDeviceSynchronize", "after " + kind);
      Down(dC, C, "state C");
    }
    Down(dn, n, "state n");
    Down(dm, m, "state m");
    CheckRuntime(cudaMemcpy(out.Data(), dout.p, dout.bytes, cudaMemcpyDeviceToHost), "cudaMemcpy", "output to host");
    return out;
  });
}

// Median and minimum ms of `reps` timed calls of fn after `warmup` untimed ones.
template <typename F> std::pair<double, double> TimeMs(F&& fn, int warmup, int reps) {
  for (int i = 0; i < warmup; ++i) fn();
  CheckRuntime(cudaDeviceSynchronize(), "cudaDeviceSynchronize", "after warm-up");
  cudaEvent_t a, b;
  CheckRuntime(cudaEventCreate(&a), "cudaEventCreate", "");
  CheckRuntime(cudaEventCreate(&b), "cudaEventCreate", "");
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    cudaEventRecord(a);
    fn();
    cudaEventRecord(b);
    CheckRuntime(cudaEventSynchronize(b), "cudaEventSynchronize", "");
    float t = 0;
    cudaEventElapsedTime(&t, a, b);
    ms.push_back(t);
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  return {n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]), ms[0]};
}

DevMem Random(size_t count, xlstm_dtype dt, uint32_t seed, float amp, const char* what) {
  DevMem m(count * (dt == XLSTM_F32 ? 4 : 2), what);
  CheckX(xlstm_fill_random(m.p, static_cast<int64_t>(count), dt, seed, amp, nullptr), "xlstm_fill_random", what);
  return m;
}

Napi::Value XlstmBench(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "kvsim native: xlstmBench(options)");
  Napi::Object o = info[0].As<Napi::Object>();
  const int device = static_cast<int>(PropU64(o, "device"));
  const std::string kind = Kind(o);
  const int warmup = static_cast<int>(PropU64(o, "warmup"));
  const int reps = std::max(1, static_cast<int>(PropU64(o, "reps")));
  return GuardNative(env, [&]() -> Napi::Value {
    CheckRuntime(cudaSetDevice(device), "cudaSetDevice", "device=" + std::to_string(device));
    int l2 = 0;
    CheckRuntime(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device), "cudaDeviceGetAttribute", "L2 size");
    Napi::Object r = Napi::Object::New(env);
    if (kind == "copy") {
      const size_t bytes = PropU64(o, "copyBytes");
      DevMem a = Random(bytes / 4, XLSTM_F32, 1, 1.0f, "copy source"), b(bytes / 4 * 4, "copy target");
      auto t = TimeMs([&] { CheckRuntime(cudaMemcpyAsync(b.p, a.p, a.bytes, cudaMemcpyDeviceToDevice), "cudaMemcpyAsync", ""); },
                      warmup, reps);
      r.Set("medianMs", t.first);
      r.Set("minMs", t.second);
      r.Set("bytes", 2.0 * a.bytes);
      r.Set("flops", 0.0);
      return r;
    }
    const Dims d = ReadDims(o);
    const size_t eb = d.st == XLSTM_F32 ? 4 : 2;
    std::vector<int32_t> ids(d.batch);
    for (int i = 0; i < d.batch; ++i) ids[i] = i;
    DevMem slots(ids.size() * 4, "slots");
    CheckRuntime(cudaMemcpy(slots.p, ids.data(), slots.bytes, cudaMemcpyHostToDevice), "cudaMemcpy", "slots");
    double bytes = 0, flops = 0;
    std::pair<double, double> t;
    if (kind == "mlstmStep" || kind == "mlstmPrefill") {
      const bool step = kind == "mlstmStep";
      const double slotBytes = (double)xlstm_mlstm_slot_bytes(d.heads, d.dqk, d.dv, d.st);
      const size_t tok = (size_t)d.batch * (step ? 1 : d.seqLen) * d.heads;
      const double ioBytes = (double)tok * ((2.0 * d.dqk + 2.0 * d.dv) * 2 + 8);
      // Independent layers (state + inputs) until the working set is 4x the L2.
      const int layers = step ? std::max(1, (int)std::ceil(4.0 * l2 / (d.batch * slotBytes + ioBytes))) : 1;
      const size_t hs = (size_t)layers * d.batch * d.heads;
      DevMem C = Random(hs * d.dqk * d.dv, d.st, 2, 0.5f, "state C"), n = Random(hs * d.dqk, d.st, 3, 1.0f, "state n");
      DevMem m = Random(hs, XLSTM_F32, 4, 2.0f, "state m");
      const size_t lt = (size_t)layers * tok;
      DevMem q = Random(lt * d.dqk, d.in, 5, 1.0f, "q"), k = Random(lt * d.dqk, d.in, 6, 1.0f, "k");
      DevMem v = Random(lt * d.dv, d.in, 7, 1.0f, "v"), h(lt * d.dv * 2, "h");
      DevMem ig = Random(lt, XLSTM_F32, 8, 3.0f, "igatePre"), fg = Random(lt, XLSTM_F32, 9, 3.0f, "fgatePre");
      auto stateOf = [&](int l) {
        const size_t off = (size_t)l * d.batch * d.heads;
        return xlstm_mlstm_state{static_cast<char*>(C.p) + off * d.dqk * d.dv * eb, static_cast<char*>(n.p) + off * d.dqk * eb,
                                 static_cast<float*>(m.p) + off, d.batch, d.st};
      };
      if (step) {
        std::vector<xlstm_mlstm_step_args> args(layers);
        for (int l = 0; l < layers; ++l) {
          auto& a = args[l];
          const size_t off = (size_t)l * tok;
          a.batch = d.batch; a.heads = d.heads; a.dqk = d.dqk; a.dv = d.dv; a.inputDtype = d.in;
          a.q = static_cast<char*>(q.p) + off * d.dqk * 2; a.k = static_cast<char*>(k.p) + off * d.dqk * 2;
          a.v = static_cast<char*>(v.p) + off * d.dv * 2; a.h = static_cast<char*>(h.p) + off * d.dv * 2;
          a.igatePre = static_cast<float*>(ig.p) + off; a.fgatePre = static_cast<float*>(fg.p) + off;
          a.slots = static_cast<int32_t*>(slots.p); a.gateSoftCap = d.cap; a.state = stateOf(l);
        }
        t = TimeMs([&] { for (auto& a : args) CheckX(xlstm_mlstm_step(&a, nullptr), "xlstm_mlstm_step", d.str()); }, warmup, reps);
        t.first /= layers;
        t.second /= layers;
        bytes = 2.0 * d.batch * slotBytes + ioBytes;
      } else {
        xlstm_mlstm_prefill_args a{};
        a.batch = d.batch; a.seqLen = d.seqLen; a.heads = d.heads; a.dqk = d.dqk; a.dv = d.dv; a.inputDtype = d.in;
        a.q = q.p; a.k = k.p; a.v = v.p; a.h = h.p; a.igatePre = static_cast<float*>(ig.p); a.fgatePre = static_cast<float*>(fg.p);
        a.slots = static_cast<int32_t*>(slots.p); a.gateSoftCap = d.cap; a.state = stateOf(0);
        // A workspace allocated once, as a serving loop would: not an allocation per timed call.
        const int64_t wsBytes = xlstm_mlstm_prefill_workspace_bytes(d.batch, d.seqLen, d.heads, d.dqk, d.dv, d.algorithm);
        if (wsBytes < 0) ThrowState("xlstm_mlstm_prefill_workspace_bytes", d.str(), "bad size or algorithm");
        DevMem ws(static_cast<size_t>(wsBytes), "prefill workspace");
        a.algorithm = d.algorithm; a.workspace = wsBytes > 0 ? ws.p : nullptr; a.workspaceBytes = wsBytes;
        t = TimeMs([&] { CheckX(xlstm_mlstm_prefill(&a, nullptr), "xlstm_mlstm_prefill", d.str()); }, warmup, reps);
        // The useful work of the chunkwise form at L = 64, whichever algorithm runs (rates compare).
        const double L = 64, chunks = std::ceil(d.seqLen / L);
        flops = (double)d.batch * d.heads * chunks * (2 * L * L * d.dqk + 2 * L * L * d.dv + 4 * L * d.dqk * d.dv);
        bytes = 2.0 * d.batch * slotBytes + ioBytes;
      }
    } else if (kind == "slstmStep") {
      const int H = d.heads, dh = d.headDim;
      const double wBytes = 4.0 * H * dh * dh * 2, sBytes = (double)d.batch * xlstm_slstm_slot_bytes(H, dh, d.st);
      const double ioBytes = (double)d.batch * H * dh * 5 * 2 + 4.0 * H * dh * 4;
      const int layers = std::max(1, (int)std::ceil(4.0 * l2 / (wBytes + sBytes + ioBytes)));
      const size_t pe = (size_t)layers * d.batch * H * dh;
      DevMem R = Random((size_t)layers * 4 * H * dh * dh, d.in, 21, 0.08f, "R"), bias = Random((size_t)layers * 4 * H * dh, XLSTM_F32, 22, 0.5f, "bias");
      DevMem sh = Random(pe, d.st, 23, 0.9f, "state h"), sc = Random(pe, d.st, 24, 1.0f, "state c");
      DevMem sn = Random(pe, d.st, 25, 1.0f, "state n"), sm = Random(pe, XLSTM_F32, 26, 1.0f, "state m");
      DevMem x = Random(pe * 4, d.in, 27, 1.0f, "xPre"), y(pe * 2, "y");
      DevMem ws(static_cast<size_t>(xlstm_slstm_workspace_bytes(d.batch, H, dh)), "sLSTM workspace");
      std::vector<xlstm_slstm_step_args> args(layers);
      for (int l = 0; l < layers; ++l) {
        auto& a = args[l];
        const size_t off = (size_t)l * d.batch * H * dh;
        a.batch = d.batch; a.heads = H; a.headDim = dh; a.inputDtype = d.in;
        a.xPre = static_cast<char*>(x.p) + off * 4 * 2; a.R = static_cast<char*>(R.p) + (size_t)l * 4 * H * dh * dh * 2;
        a.bias = static_cast<float*>(bias.p) + (size_t)l * 4 * H * dh; a.slots = static_cast<int32_t*>(slots.p);
        a.y = static_cast<char*>(y.p) + off * 2; a.workspace = ws.p;
        a.state = {static_cast<char*>(sh.p) + off * eb, static_cast<char*>(sc.p) + off * eb, static_cast<char*>(sn.p) + off * eb,
                   static_cast<float*>(sm.p) + off, d.batch, d.st};
      }
      t = TimeMs([&] { for (auto& a : args) CheckX(xlstm_slstm_step(&a, nullptr), "xlstm_slstm_step", d.str()); }, warmup, reps);
      t.first /= layers;
      t.second /= layers;
      bytes = wBytes + 2.0 * sBytes + ioBytes;
      flops = 2.0 * d.batch * H * 4.0 * dh * dh;
    } else {
      throw Napi::TypeError::New(env, "kvsim native: xlstmBench kind must be copy, mlstmStep, mlstmPrefill or slstmStep");
    }
    r.Set("medianMs", t.first);
    r.Set("minMs", t.second);
    r.Set("bytes", bytes);
    r.Set("flops", flops);
    return r;
  });
}

// Launches nothing and needs no device: the choice depends on the value only (mlstmPrefill.cu).
Napi::Value XlstmMlstmPrefillAlgorithm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "kvsim native: xlstmMlstmPrefillAlgorithm(algorithm)");
  const int32_t algorithm = info[0].As<Napi::Number>().Int32Value();
  return GuardNative(env, [&]() -> Napi::Value {
    const char* name = xlstm_mlstm_prefill_algorithm_name(algorithm);
    if (!name) ThrowState("xlstm_mlstm_prefill_algorithm_name", "algorithm=" + std::to_string(algorithm), "an algorithm xlstm_mlstm_prefill refuses");
    return Napi::String::New(env, name);
  });
}

// Launches nothing and needs no device (the size is host arithmetic): lets the simulator's memory
// reserve be checked against the kernel's own layout (src/sim/memory/mlstmPrefillWorkspaceBytes.ts).
Napi::Value XlstmMlstmPrefillWorkspaceBytes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "kvsim native: xlstmMlstmPrefillWorkspaceBytes({batch, seqLen, heads, dqk, dv, algorithm})");
  const Napi::Object o = info[0].As<Napi::Object>();
  auto i32 = [&](const char* k) {
    const Napi::Value v = o.Get(k);
    if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string("kvsim native: xlstmMlstmPrefillWorkspaceBytes: ") + k + " must be a number");
    return v.As<Napi::Number>().Int32Value();
  };
  const int32_t batch = i32("batch"), seqLen = i32("seqLen"), heads = i32("heads"), dqk = i32("dqk"), dv = i32("dv"), algorithm = i32("algorithm");
  return GuardNative(env, [&]() -> Napi::Value {
    const int64_t bytes = xlstm_mlstm_prefill_workspace_bytes(batch, seqLen, heads, dqk, dv, algorithm);
    if (bytes < 0) ThrowState("xlstm_mlstm_prefill_workspace_bytes", "batch=" + std::to_string(batch) + " seqLen=" + std::to_string(seqLen) + " heads=" + std::to_string(heads) + " dqk=" + std::to_string(dqk) + " dv=" + std::to_string(dv) + " algorithm=" + std::to_string(algorithm), "a shape or algorithm xlstm_mlstm_prefill refuses");
    return Napi::Number::New(env, static_cast<double>(bytes));
  });
}

// Launches nothing and needs no device: the variant depends on KVSIM_SLSTM_VARIANT only (slstmStep.cu).
Napi::Value XlstmSlstmStepVariant(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return GuardNative(env, [&]() -> Napi::Value {
    const char* name = xlstm_slstm_step_variant_name();
    if (!name) ThrowState("xlstm_slstm_step_variant_name", "KVSIM_SLSTM_VARIANT", "names no sLSTM step variant (old, new, new-nopdl, coop or new-early; unset for the default)");
    return Napi::String::New(env, name);
  });
}

}  // namespace

void RegisterXlstm(Napi::Env env, Napi::Object exports) {
  exports.Set("xlstmRun", Napi::Function::New(env, XlstmRun, "xlstmRun"));
  exports.Set("xlstmBench", Napi::Function::New(env, XlstmBench, "xlstmBench"));
  exports.Set("xlstmMlstmPrefillAlgorithm", Napi::Function::New(env, XlstmMlstmPrefillAlgorithm, "xlstmMlstmPrefillAlgorithm"));
  exports.Set("xlstmSlstmStepVariant", Napi::Function::New(env, XlstmSlstmStepVariant, "xlstmSlstmStepVariant"));
  exports.Set("xlstmMlstmPrefillWorkspaceBytes", Napi::Function::New(env, XlstmMlstmPrefillWorkspaceBytes, "xlstmMlstmPrefillWorkspaceBytes"));
}
