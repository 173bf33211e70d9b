// N-API face of GpuModelCore (the GPU executor's synthetic model): converts the JS config and each
// iteration into plain structs, runs them without touching JS, and turns failures into JS errors.
// src/gpu/GpuModel.ts validated every argument before it got here.
#include "cudaError.h"
#include "gpuModelCore.h"
#include "modules.h"

namespace {

std::vector<int32_t> Ints(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) return {};
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(o.Env(), std::string("kvsim native: ") + name + " must be an Int32Array");
  }
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  return std::vector<int32_t>(a.Data(), a.Data() + a.ElementLength());
}

std::vector<uint64_t> Addresses(const Napi::Object& o, const char* name) {
  std::vector<uint64_t> r;
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) return r;
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    bool lossless = true;
    r.push_back(e.IsBigInt() ? e.As<Napi::BigInt>().Uint64Value(&lossless) : static_cast<uint64_t>(e.As<Napi::Number>().Int64Value()));
  }
  return r;
}

int64_t Int(const Napi::Object& o, const char* name, int64_t fallback) {
  Napi::Value v = o.Get(name);
  return v.IsUndefined() ? fallback : v.As<Napi::Number>().Int64Value();
}

class GpuModelWrap : public Napi::ObjectWrap<GpuModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "GpuModel",
                       {InstanceMethod("run", &GpuModelWrap::Run), InstanceMethod("time", &GpuModelWrap::Time),
                        InstanceMethod("deviceBytes", &GpuModelWrap::DeviceBytes), InstanceMethod("destroy", &GpuModelWrap::Destroy)});
  }

  explicit GpuModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GpuModelWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "kvsim native: GpuModel takes a config object");
    Napi::Object o = info[0].As<Napi::Object>();
    GpuModelConfig c;
    c.device = Int(o, "device", 0);
    c.hidden = Int(o, "hidden", 0);
    c.ffn = Int(o, "ffn", 0);
    c.vocab = Int(o, "vocab", 0);
    c.maxTokens = Int(o, "maxTokens", 0);
    c.maxBatch = Int(o, "maxBatch", 0);
    c.maxContext = Int(o, "maxContext", 0);
    c.seed = Int(o, "seed", 1);
    c.kvLayout = Int(o, "kvLayout", -1);
    c.kBase = Addresses(o, "kBase");
    c.vBase = Addresses(o, "vBase");
    c.slotStrideBytes = Int(o, "slotStrideBytes", 0);
    c.tokenStrideBytes = Int(o, "tokenStrideBytes", 0);
    c.maxBlocksPerSeq = Int(o, "maxBlocksPerSeq", 0);
    c.blockSizeTokens = Int(o, "blockSizeTokens", 0);
    c.stateSlots = Int(o, "stateSlots", 0);
    c.stateDtype = Int(o, "stateDtype", 0);
    c.cudaGraphs = Int(o, "cudaGraphs", 0);
    c.graphSizes = Ints(o, "graphSizes");
    c.padKvSlot = Int(o, "padKvSlot", -1);
    c.padBlock = Int(o, "padBlock", -1);
    Napi::Array layers = o.Get("layers").As<Napi::Array>();
    for (uint32_t i = 0; i < layers.Length(); i++) {
      Napi::Object l = layers.Get(i).As<Napi::Object>();
      GpuLayerShape s;
      s.kind = Int(l, "kind", 0);
      s.heads = Int(l, "heads", 0);
      s.kvHeads = Int(l, "kvHeads", 0);
      s.headDim = Int(l, "headDim", 0);
      s.dqk = Int(l, "dqk", 0);
      s.dv = Int(l, "dv", 0);
      c.layers.push_back(s);
    }
    GuardNative(env, [&] { core_.reset(new GpuModelCore(c)); });
  }

 private:
  GpuModelCore& Core(Napi::Env env) {
    if (!core_) throw Napi::Error::New(env, "kvsim native: GpuModel was destroyed");
    return *core_;
  }

  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = info[0].As<Napi::Object>();
    GpuIteration it;
    it.prefill = Ints(o, "prefill");
    it.decode = Ints(o, "decode");
    it.context = Ints(o, "context");
    it.kvSlot = Ints(o, "kvSlot");
    it.stateSlot = Ints(o, "stateSlot");
    it.blockTable = Ints(o, "blockTable");
    it.rows = static_cast<int>(it.prefill.size());
    GpuIterationTimes t = GuardNative(env, [&] { return Core(env).Run(it); });
    Napi::Object r = Napi::Object::New(env);
    r.Set("gpuS", t.totalS);
    r.Set("hostS", t.hostS);
    r.Set("graph", t.graph);
    r.Set("paddedRows", t.paddedRows);
    r.Set("captureS", t.captureS);
    return r;
  }

  Napi::Value Time(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const std::string op = info[0].As<Napi::String>().Utf8Value();
    Napi::Object p = info[1].As<Napi::Object>();
    const int reps = static_cast<int>(Int(p, "reps", 20));
    const int64_t primeNs = static_cast<int64_t>(Int(p, "primeNs", 0));
    double s = GuardNative(env, [&]() -> double {
      GpuModelCore& m = Core(env);
      if (primeNs < 0 || primeNs > 1000000000) ThrowState("GpuModel.time", "primeNs=" + std::to_string(primeNs), "expected 0..1e9 ns");
      m.SetTimingPrimeNs(primeNs);
      if (op == "layerGemm") return m.TimeLayerGemm(Int(p, "kind", 0), Int(p, "tokens", 1), reps);
      if (op == "lmHead") return m.TimeLmHead(Int(p, "rows", 1), reps);
      if (op == "decode") return m.TimeDecode(Int(p, "batch", 1), Int(p, "context", 1), Int(p, "paged", 0), Int(p, "blockSize", 16), Int(p, "blockOrder", 0), reps);
      if (op == "prefill") return m.TimePrefill(Int(p, "chunk", 1), Int(p, "context", 0), Int(p, "paged", 0), Int(p, "blockSize", 16), Int(p, "blockOrder", 0), reps);
      if (op == "mlstmStep") return m.TimeMlstmStep(Int(p, "batch", 1), reps);
      if (op == "mlstmPrefill") return m.TimeMlstmPrefill(Int(p, "tokens", 1), reps);
      if (op == "slstmStep") return m.TimeSlstmStep(Int(p, "batch", 1), reps);
      if (op == "slstmPrefill") return m.TimeSlstmPrefill(Int(p, "tokens", 1), reps);
      ThrowState("GpuModel.time", op, "unknown operation");
    });
    return Napi::Number::New(env, s);
  }

  Napi::Value DeviceBytes(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), core_ ? core_->deviceBytes() : 0); }

  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    GuardNative(info.Env(), [&] {
      if (core_) core_->Destroy();
    });
    core_.reset();
    return info.Env().Undefined();
  }

  std::unique_ptr<GpuModelCore> core_;
};

// Whether cuBLAS (dlopen'ed at run time, not linked) can be used here, which library, or why not.
Napi::Value CublasStatus(const Napi::CallbackInfo& info) {
  Napi::Object r = Napi::Object::New(info.Env());
  const CublasApi* api = Cublas();
  r.Set("ok", api != nullptr);
  r.Set("library", api ? api->library : "");
  r.Set("reason", api ? "" : CublasUnavailableReason());
  return r;
}

}  // namespace

void RegisterGpuModel(Napi::Env env, Napi::Object exports) {
  exports.Set("GpuModel", GpuModelWrap::Define(env));
  exports.Set("cublasStatus", Napi::Function::New(env, CublasStatus, "cublasStatus"));
}
