// Exposes the attention kernels (kernels/attention, plain C ABI) to JS:
//   attentionRun(options)   one decode or prefill call on host arrays already in the device layout
//                           (uploads, poisons the output with NaN, runs, downloads): for checks.
//   attentionBench(options) a timed kernel (decode, prefill, or a device copy as the ceiling) on
//                           device-generated random data: CUDA events after warm-up, median of reps.
//   attentionPrefillKernel(options) the name of the prefill kernel kvsim_attn_prefill would launch now
//                           for this shape ("tma", "tmae", "ws", "wsl", "ws2", "wgmma64", "wgmma128" or "mma"):
//                           provenance for calibration profiles and validation.
// TypeScript (src/gpu/attentionKernels.ts) validates options first; this file only guards misuse.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "attention/attention.h"
#include "cudaError.h"
#include "modules.h"

namespace {

// Device buffer freed on scope exit (also when a check throws).
struct DeviceBuffer {
  void* p = nullptr;
  size_t bytes = 0;
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t n, const char* what) : bytes(n) {
    if (n) CheckRuntime(cudaMalloc(&p, n), "cudaMalloc", std::string(what) + " bytes=" + std::to_string(n));
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : p(o.p), bytes(o.bytes) { o.p = nullptr; }
  ~DeviceBuffer() {
    if (p) cudaFree(p);
  }
};

struct EventPair {
  cudaEvent_t a = nullptr, b = nullptr;
  EventPair() {
    CheckRuntime(cudaEventCreate(&a), "cudaEventCreate", "");
    CheckRuntime(cudaEventCreate(&b), "cudaEventCreate", "");
  }
  ~EventPair() {
    if (a) cudaEventDestroy(a);
    if (b) cudaEventDestroy(b);
  }
};

void CheckAttn(int rc, const char* call, const std::string& args) {
  if (rc == 0) return;
  if (rc > 0) CheckRuntime(static_cast<cudaError_t>(rc), call, args);
  ThrowState(call, args, kvsim_attn_error_string(rc));
}

std::string PropString(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsString()) throw Napi::TypeError::New(o.Env(), std::string("kvsim native: option ") + name + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

double PropNumber(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("kvsim native: option ") + name + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

template <typename A> A PropArray(const Napi::Object& o, const char* name, bool required) {
  Napi::Value v = o.Get(name);
  if (v.IsTypedArray()) return v.As<A>();
  if (required) throw Napi::TypeError::New(o.Env(), std::string("kvsim native: option ") + name + " must be a typed array");
  return A();
}

template <typename A> DeviceBuffer Upload(const A& a, const char* what) {
  if (a.IsEmpty()) return DeviceBuffer();
  DeviceBuffer d(a.ByteLength(), what);
  CheckRuntime(cudaMemcpy(d.p, a.Data(), a.ByteLength(), cudaMemcpyHostToDevice), "cudaMemcpy", std::string(what) + " to device");
  return d;
}

kvsim_attn_shape_t ReadShape(const Napi::Object& o) {
  kvsim_attn_shape_t s{};
  s.dtype = PropU64(o, "dtype") == 1 ? KVSIM_DTYPE_BF16 : KVSIM_DTYPE_F16;
  s.numQHeads = static_cast<int32_t>(PropU64(o, "numQHeads"));
  s.numKvHeads = static_cast<int32_t>(PropU64(o, "numKvHeads"));
  s.headDim = static_cast<int32_t>(PropU64(o, "headDim"));
  s.softmaxScale = static_cast<float>(PropNumber(o, "softmaxScale"));
  return s;
}

Napi::Value AttentionRun(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "kvsim native: attentionRun(options)");
  Napi::Object o = info[0].As<Napi::Object>();
  const int device = static_cast<int>(PropU64(o, "device"));
  const std::string kind = PropString(o, "kind");
  const kvsim_attn_shape_t shape = ReadShape(o);
  const bool paged = PropU64(o, "layout") == 1;
  auto q = PropArray<Napi::Uint16Array>(o, "q", true);
  auto k = PropArray<Napi::Uint16Array>(o, "k", true);
  auto v = PropArray<Napi::Uint16Array>(o, "v", true);
  auto ctx = PropArray<Napi::Int32Array>(o, "contextLens", true);
  auto slots = PropArray<Napi::Int32Array>(o, "slotOfRequest", false);
  auto table = PropArray<Napi::Int32Array>(o, "blockTable", paged);
  auto cu = PropArray<Napi::Int32Array>(o, "cuSeqlensQ", kind == "prefill");
  const int batch = static_cast<int>(ctx.ElementLength());
  return GuardNative(env, [&]() -> Napi::Value {
    CheckRuntime(cudaSetDevice(device), "cudaSetDevice", "device=" + std::to_string(device));
    DeviceBuffer dq = Upload(q, "q"), dk = Upload(k, "k"), dv = Upload(v, "v"), dctx = Upload(ctx, "contextLens");
    DeviceBuffer dslots = Upload(slots, "slotOfRequest"), dtable = Upload(table, "blockTable"), dcu = Upload(cu, "cuSeqlensQ");
    DeviceBuffer dout(q.ByteLength(), "out");
    CheckRuntime(cudaMemset(dout.p, 0xFF, dout.bytes), "cudaMemset", "out (NaN poison)");
    kvsim_kv_cache_t kv{};
    kv.layout = paged ? KVSIM_KV_PAGED : KVSIM_KV_CONTIGUOUS;
    kv.k = dk.p;
    kv.v = dv.p;
    if (paged) {
      kv.blockTable = static_cast<const int32_t*>(dtable.p);
      kv.maxBlocksPerSeq = static_cast<int32_t>(PropU64(o, "maxBlocksPerSeq"));
      kv.blockSizeTokens = static_cast<int32_t>(PropU64(o, "blockSizeTokens"));
    } else {
      kv.slotStrideBytes = static_cast<int64_t>(PropU64(o, "slotStrideBytes"));
      kv.tokenStrideBytes = o.Has("tokenStrideBytes") ? static_cast<int64_t>(PropU64(o, "tokenStrideBytes")) : 0;
      kv.slotOfRequest = static_cast<const int32_t*>(dslots.p);
    }
    const std::string dims = "batch=" + std::to_string(batch) + " heads=" + std::to_string(shape.numQHeads) + "/" +
                             std::to_string(shape.numKvHeads) + " d=" + std::to_string(shape.headDim);
    if (kind == "decode") {
      const int maxCtx = static_cast<int>(PropU64(o, "maxContextLen"));
      const int splits = static_cast<int>(PropU64(o, "numSplits"));
      const size_t wsBytes = kvsim_attn_decode_workspace_bytes(&shape, batch, maxCtx, splits);
      DeviceBuffer ws(wsBytes, "decode workspace");
      CheckAttn(kvsim_attn_decode(&shape, &kv, dq.p, dout.p, static_cast<const int32_t*>(dctx.p), batch, maxCtx, splits,
                                  ws.p, wsBytes, nullptr),
                "kvsim_attn_decode", dims);
    } else {
      CheckAttn(kvsim_attn_prefill(&shape, &kv, dq.p, dout.p, static_cast<const int32_t*>(dcu.p),
                                   static_cast<const int32_t*>(dctx.p), batch, static_cast<int32_t>(PropU64(o, "maxQueryLen")),
                                   PropBool(o, "causal", true) ? 1 : 0, nullptr),
                "kvsim_attn_prefill", dims);
    }
    CheckRuntime(cudaDeviceSynchronize(), "cudaDeviceSynchronize", "after attention " + kind);
    Napi::Uint16Array out = Napi::Uint16Array::New(env, q.ElementLength());
    CheckRuntime(cudaMemcpy(out.Data(), dout.p, dout.bytes, cudaMemcpyDeviceToHost), "cudaMemcpy", "out to host");
    return out;
  });
}

// Median and minimum milliseconds of `reps` timed runs after `warmup` untimed ones.
template <typename F> std::pair<double, double> TimeMs(F&& fn, int warmup, int reps) {
  for (int i = 0; i < warmup; ++i) fn(i);
  CheckRuntime(cudaDeviceSynchronize(), "cudaDeviceSynchronize", "after warm-up");
  EventPair ev;
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    CheckRuntime(cudaEventRecord(ev.a), "cudaEventRecord", "");
    fn(warmup + i);
    CheckRuntime(cudaEventRecord(ev.b), "cudaEventRecord", "");
    CheckRuntime(cudaEventSynchronize(ev.b), "cudaEventSynchronize", "");
    float t = 0;
    CheckRuntime(cudaEventElapsedTime(&t, ev.a, ev.b), "cudaEventElapsedTime", "");
    ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  return {n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]), ms[0]};
}

Napi::Value AttentionBench(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "kvsim native: attentionBench(options)");
  Napi::Object o = info[0].As<Napi::Object>();
  const int device = static_cast<int>(PropU64(o, "device"));
  const std::string kind = PropString(o, "kind");
  const int warmup = static_cast<int>(PropU64(o, "warmup"));
  const int reps = std::max(1, static_cast<int>(PropU64(o, "reps")));
  return GuardNative(env, [&]() -> Napi::Value {
    CheckRuntime(cudaSetDevice(device), "cudaSetDevice", "device=" + std::to_string(device));
    Napi::Object r = Napi::Object::New(env);
    if (kind == "copy") {
      const size_t bytes = PropU64(o, "copyBytes");
      DeviceBuffer a(bytes, "copy source"), b(bytes, "copy target");
      CheckRuntime(cudaMemset(a.p, 1, bytes), "cudaMemset", "copy source");
      auto t = TimeMs([&](int) { CheckRuntime(cudaMemcpyAsync(b.p, a.p, bytes, cudaMemcpyDeviceToDevice), "cudaMemcpyAsync", ""); },
                      warmup, reps);
      r.Set("medianMs", t.first);
      r.Set("minMs", t.second);
      r.Set("bytes", 2.0 * bytes); // read + write
      return r;
    }
    const kvsim_attn_shape_t shape = ReadShape(o);
    const bool paged = PropU64(o, "layout") == 1;
    const int batch = static_cast<int>(PropU64(o, "batch"));
    const int ctxLen = static_cast<int>(PropU64(o, "contextLen"));
    const int qLen = kind == "decode" ? 1 : static_cast<int>(PropU64(o, "queryLen"));
    const bool causal = PropBool(o, "causal", true);
    const size_t rowElems = (size_t)shape.numKvHeads * shape.headDim;
    // Contiguous: slots rounded to 2 MiB like the VMM arena. Paged: a pool of exactly the blocks
    // needed, handed out in a shuffled order (a fragmented pool).
    const int bs = paged ? static_cast<int>(PropU64(o, "blockSizeTokens")) : 0;
    const int perSeq = paged ? (ctxLen + bs - 1) / bs : 0;
    const size_t slotBytes = ((size_t)ctxLen * rowElems * 2 + (2u << 20) - 1) / (2u << 20) * (2u << 20);
    const size_t kvBytes = paged ? (size_t)batch * perSeq * bs * rowElems * 2 : slotBytes * batch;
    DeviceBuffer dk(kvBytes, "K cache"), dv(kvBytes, "V cache");
    const size_t qElems = (size_t)batch * qLen * shape.numQHeads * shape.headDim;
    DeviceBuffer dq(qElems * 2, "q"), dout(qElems * 2, "out");
    CheckAttn(kvsim_fill_random_16(dk.p, kvBytes / 2, 1, shape.dtype, nullptr), "kvsim_fill_random_16", "K");
    CheckAttn(kvsim_fill_random_16(dv.p, kvBytes / 2, 2, shape.dtype, nullptr), "kvsim_fill_random_16", "V");
    CheckAttn(kvsim_fill_random_16(dq.p, qElems, 3, shape.dtype, nullptr), "kvsim_fill_random_16", "q");
    std::vector<int32_t> ctx(batch, ctxLen), cu(batch + 1), table;
    for (int i = 0; i <= batch; ++i) cu[i] = i * qLen;
    if (paged) {
      table.resize((size_t)batch * perSeq);
      for (size_t i = 0; i < table.size(); ++i) table[i] = static_cast<int32_t>(i);
      std::mt19937 rng(7);
      std::shuffle(table.begin(), table.end(), rng);
    }
    DeviceBuffer dctx(ctx.size() * 4, "contextLens"), dcu(cu.size() * 4, "cuSeqlensQ"), dtable(table.size() * 4, "blockTable");
    CheckRuntime(cudaMemcpy(dctx.p, ctx.data(), ctx.size() * 4, cudaMemcpyHostToDevice), "cudaMemcpy", "contextLens");
    CheckRuntime(cudaMemcpy(dcu.p, cu.data(), cu.size() * 4, cudaMemcpyHostToDevice), "cudaMemcpy", "cuSeqlensQ");
    if (paged) CheckRuntime(cudaMemcpy(dtable.p, table.data(), table.size() * 4, cudaMemcpyHostToDevice), "cudaMemcpy", "blockTable");
    kvsim_kv_cache_t kv{};
    kv.layout = paged ? KVSIM_KV_PAGED : KVSIM_KV_CONTIGUOUS;
    kv.k = dk.p;
    kv.v = dv.p;
    kv.slotStrideBytes = (int64_t)slotBytes;
    kv.blockTable = static_cast<const int32_t*>(dtable.p);
    kv.maxBlocksPerSeq = perSeq;
    kv.blockSizeTokens = bs;
    const std::string dims = "batch=" + std::to_string(batch) + " context=" + std::to_string(ctxLen);
    std::pair<double, double> t;
    if (kind == "decode") {
      const int splits = kvsim_attn_decode_auto_splits(&shape, batch, ctxLen);
      const size_t wsBytes = kvsim_attn_decode_workspace_bytes(&shape, batch, ctxLen, splits);
      DeviceBuffer ws(wsBytes, "decode workspace");
      t = TimeMs([&](int) {
        CheckAttn(kvsim_attn_decode(&shape, &kv, dq.p, dout.p, static_cast<const int32_t*>(dctx.p), batch, ctxLen, splits, ws.p,
                                    wsBytes, nullptr),
                  "kvsim_attn_decode", dims);
      }, warmup, reps);
      r.Set("numSplits", splits);
      r.Set("bytes", 2.0 * batch * ctxLen * rowElems * 2); // K and V read once
      r.Set("flops", 4.0 * batch * ctxLen * shape.numQHeads * shape.headDim);
    } else {
      t = TimeMs([&](int) {
        CheckAttn(kvsim_attn_prefill(&shape, &kv, dq.p, dout.p, static_cast<const int32_t*>(dcu.p),
                                     static_cast<const int32_t*>(dctx.p), batch, qLen, causal ? 1 : 0, nullptr),
                  "kvsim_attn_prefill", dims);
      }, warmup, reps);
      const double prefix = ctxLen - qLen;
      const double pairs = causal ? qLen * prefix + 0.5 * qLen * (qLen + 1.0) : (double)qLen * ctxLen;
      r.Set("flops", 4.0 * batch * pairs * shape.numQHeads * shape.headDim);
      r.Set("bytes", 2.0 * batch * ctxLen * rowElems * 2 + 2.0 * qElems * 2);
    }
    CheckRuntime(cudaGetLastError(), "attention launch", dims);
    r.Set("medianMs", t.first);
    r.Set("minMs", t.second);
    return r;
  });
}

// Launches and allocates nothing. `device`, when given, is made current first (the answer is for it);
// softmaxScale defaults to 1/sqrt(headDim), as every caller in this repository passes.
Napi::Value AttentionPrefillKernel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "kvsim native: attentionPrefillKernel(options)");
  Napi::Object o = info[0].As<Napi::Object>();
  kvsim_attn_shape_t shape{};
  shape.dtype = PropU64(o, "dtype") == 1 ? KVSIM_DTYPE_BF16 : KVSIM_DTYPE_F16;
  shape.numQHeads = static_cast<int32_t>(PropU64(o, "numQHeads"));
  shape.numKvHeads = static_cast<int32_t>(PropU64(o, "numKvHeads"));
  shape.headDim = static_cast<int32_t>(PropU64(o, "headDim"));
  shape.softmaxScale = o.Has("softmaxScale") ? static_cast<float>(PropNumber(o, "softmaxScale"))
                                             : 1.0f / std::sqrt(static_cast<float>(shape.headDim));
  const bool hasDevice = o.Has("device") && !o.Get("device").IsUndefined();
  const int device = hasDevice ? static_cast<int>(PropU64(o, "device")) : 0;
  return GuardNative(env, [&]() -> Napi::Value {
    if (hasDevice) CheckRuntime(cudaSetDevice(device), "cudaSetDevice", "device=" + std::to_string(device));
    const char* name = kvsim_attn_prefill_kernel(&shape);
    if (!name) {
      const std::string dims = "heads=" + std::to_string(shape.numQHeads) + "/" + std::to_string(shape.numKvHeads) +
                               " d=" + std::to_string(shape.headDim);
      ThrowState("kvsim_attn_prefill_kernel", dims, "a shape kvsim_attn_prefill refuses");
    }
    return Napi::String::New(env, name);
  });
}

}  // namespace

void RegisterAttention(Napi::Env env, Napi::Object exports) {
  exports.Set("attentionRun", Napi::Function::New(env, AttentionRun, "attentionRun"));
  exports.Set("attentionBench", Napi::Function::New(env, AttentionBench, "attentionBench"));
  exports.Set("attentionPrefillKernel", Napi::Function::New(env, AttentionPrefillKernel, "attentionPrefillKernel"));
}
