// NCCL all-reduce timing over the GPUs of this host (what `kvsim gpu bench allreduce` reports): one
// process drives every rank (ncclCommInitAll + grouped calls, the single-process mode nccl.h documents),
// bf16 sums in place, timed with CUDA events around `iterations` back-to-back all-reduces on every
// rank's stream (as nccl-tests times), the slowest rank's time per all-reduce being the sample.
// A correctness check runs first: rank r contributes r+1 everywhere, every rank must read n(n+1)/2.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cudaError.h"
#include "modules.h"
#include "ncclApi.h"

namespace {

std::vector<std::string> Candidates(const Napi::Object& o) {
  std::vector<std::string> c;
  if (o.Has("library") && o.Get("library").IsString()) {
    const std::string s = o.Get("library").As<Napi::String>().Utf8Value();
    if (!s.empty()) c.push_back(s);
  }
  return c;
}

void CheckNccl(const NcclApi& api, int r, const char* call, const std::string& args) {
  if (r != kNcclSuccess) ThrowState(call, args, std::string("NCCL error ") + std::to_string(r) + ": " + api.getErrorString(r));
}

// bf16 bits of a small integer (exact: the top half of its float32 bits).
uint16_t Bf16(float v) {
  uint32_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  return static_cast<uint16_t>(bits >> 16);
}

// Every resource of one run, released in the destructor so a failed call leaks nothing.
struct Ranks {
  const NcclApi& api;
  std::vector<ncclComm_t> comms;
  std::vector<cudaStream_t> streams;
  std::vector<void*> buffers;
  std::vector<cudaEvent_t> starts, stops;
  explicit Ranks(const NcclApi& a) : api(a) {}
  ~Ranks() {
    for (size_t r = 0; r < buffers.size(); ++r) {
      cudaSetDevice(static_cast<int>(r));
      if (buffers[r]) cudaFree(buffers[r]);
      if (r < streams.size() && streams[r]) cudaStreamDestroy(streams[r]);
      if (r < starts.size() && starts[r]) cudaEventDestroy(starts[r]);
      if (r < stops.size() && stops[r]) cudaEventDestroy(stops[r]);
    }
    for (ncclComm_t c : comms)
      if (c) api.commDestroy(c);
  }
  void AllReduce(size_t count, const std::string& what) {
    CheckNccl(api, api.groupStart(), "ncclGroupStart", what);
    for (size_t r = 0; r < comms.size(); ++r) {
      CheckNccl(api, api.allReduce(buffers[r], buffers[r], count, kNcclBfloat16, kNcclSum, comms[r], streams[r]), "ncclAllReduce", what + " rank=" + std::to_string(r));
    }
    CheckNccl(api, api.groupEnd(), "ncclGroupEnd", what);
  }
  void Sync() {
    for (size_t r = 0; r < streams.size(); ++r) {
      CheckRuntime(cudaSetDevice(static_cast<int>(r)), "cudaSetDevice", std::to_string(r));
      CheckRuntime(cudaStreamSynchronize(streams[r]), "cudaStreamSynchronize", "rank=" + std::to_string(r));
    }
  }
};

Napi::Value NcclStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info.Length() > 0 && info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
  const NcclApi* api = Nccl(Candidates(o));
  Napi::Object out = Napi::Object::New(env);
  out.Set("available", api != nullptr);
  if (api) {
    int v = 0;
    api->getVersion(&v);
    out.Set("library", api->library);
    out.Set("version", v);
  } else {
    out.Set("reason", NcclUnavailableReason());
  }
  return out;
}

Napi::Value AllReduceBench(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "kvsim native: allReduceBench(options)");
  Napi::Object o = info[0].As<Napi::Object>();
  const int n = static_cast<int>(PropU64(o, "ranks"));
  const int iterations = static_cast<int>(PropU64(o, "iterations"));
  const int repeats = static_cast<int>(PropU64(o, "repeats"));
  const int warmup = static_cast<int>(PropU64(o, "warmup"));
  Napi::Array sizesJs = o.Get("sizesBytes").As<Napi::Array>();
  std::vector<uint64_t> sizes;
  for (uint32_t i = 0; i < sizesJs.Length(); ++i) sizes.push_back(static_cast<uint64_t>(sizesJs.Get(i).As<Napi::Number>().DoubleValue()));
  const std::vector<std::string> candidates = Candidates(o);
  return GuardNative(env, [&]() -> Napi::Value {
    // NVLink multicast (NVLS) stays off unless the caller's environment says otherwise: on shared
    // hosts a program using it can take the GPUs out of service (device KINDS.md).
    setenv("NCCL_NVLS_ENABLE", "0", 0);
    const NcclApi* api = Nccl(candidates);
    if (!api) ThrowState("dlopen", "libnccl", NcclUnavailableReason());
    int version = 0;
    CheckNccl(*api, api->getVersion(&version), "ncclGetVersion", "");
    const uint64_t maxBytes = *std::max_element(sizes.begin(), sizes.end());
    Ranks ranks(*api);
    std::vector<int> devices(n);
    for (int r = 0; r < n; ++r) devices[r] = r;
    ranks.comms.assign(n, nullptr);
    CheckNccl(*api, api->commInitAll(ranks.comms.data(), n, devices.data()), "ncclCommInitAll", "ndev=" + std::to_string(n));
    ranks.streams.assign(n, nullptr);
    ranks.buffers.assign(n, nullptr);
    ranks.starts.assign(n, nullptr);
    ranks.stops.assign(n, nullptr);
    for (int r = 0; r < n; ++r) {
      CheckRuntime(cudaSetDevice(r), "cudaSetDevice", std::to_string(r));
      CheckRuntime(cudaStreamCreateWithFlags(&ranks.streams[r], cudaStreamNonBlocking), "cudaStreamCreateWithFlags", "rank=" + std::to_string(r));
      CheckRuntime(cudaMalloc(&ranks.buffers[r], maxBytes), "cudaMalloc", "size=" + std::to_string(maxBytes) + " rank=" + std::to_string(r));
      CheckRuntime(cudaEventCreate(&ranks.starts[r]), "cudaEventCreate", "");
      CheckRuntime(cudaEventCreate(&ranks.stops[r]), "cudaEventCreate", "");
    }
    // Correctness first, on the largest size (every byte of the buffers is checked).
    const size_t checkCount = maxBytes / 2;
    std::vector<uint16_t> host(checkCount);
    for (int r = 0; r < n; ++r) {
      std::fill(host.begin(), host.end(), Bf16(static_cast<float>(r + 1)));
      CheckRuntime(cudaSetDevice(r), "cudaSetDevice", std::to_string(r));
      CheckRuntime(cudaMemcpy(ranks.buffers[r], host.data(), checkCount * 2, cudaMemcpyHostToDevice), "cudaMemcpy", "fill rank=" + std::to_string(r));
    }
    ranks.AllReduce(checkCount, "check count=" + std::to_string(checkCount));
    ranks.Sync();
    const uint16_t want = Bf16(static_cast<float>(n * (n + 1) / 2));
    uint64_t mismatches = 0;
    for (int r = 0; r < n; ++r) {
      CheckRuntime(cudaSetDevice(r), "cudaSetDevice", std::to_string(r));
      CheckRuntime(cudaMemcpy(host.data(), ranks.buffers[r], checkCount * 2, cudaMemcpyDeviceToHost), "cudaMemcpy", "read back rank=" + std::to_string(r));
      mismatches += static_cast<uint64_t>(std::count_if(host.begin(), host.end(), [&](uint16_t v) { return v != want; }));
    }
    // Timing. Values grow past bf16's range during the loops; sums of inf cost the same.
    Napi::Array rows = Napi::Array::New(env, sizes.size());
    for (size_t s = 0; s < sizes.size(); ++s) {
      const size_t count = std::max<uint64_t>(1, sizes[s] / 2);
      const std::string what = "bytes=" + std::to_string(count * 2);
      for (int w = 0; w < warmup; ++w) ranks.AllReduce(count, what + " (warm-up)");
      ranks.Sync();
      Napi::Float64Array samples = Napi::Float64Array::New(env, repeats);
      for (int k = 0; k < repeats; ++k) {
        for (int r = 0; r < n; ++r) {
          CheckRuntime(cudaSetDevice(r), "cudaSetDevice", std::to_string(r));
          CheckRuntime(cudaEventRecord(ranks.starts[r], ranks.streams[r]), "cudaEventRecord", "start");
        }
        for (int i = 0; i < iterations; ++i) ranks.AllReduce(count, what);
        for (int r = 0; r < n; ++r) {
          CheckRuntime(cudaSetDevice(r), "cudaSetDevice", std::to_string(r));
          CheckRuntime(cudaEventRecord(ranks.stops[r], ranks.streams[r]), "cudaEventRecord", "stop");
        }
        ranks.Sync();
        float slowest = 0;
        for (int r = 0; r < n; ++r) {
          float ms = 0;
          CheckRuntime(cudaEventElapsedTime(&ms, ranks.starts[r], ranks.stops[r]), "cudaEventElapsedTime", "rank=" + std::to_string(r));
          slowest = std::max(slowest, ms);
        }
        samples[k] = 1e3 * slowest / iterations;
      }
      Napi::Object row = Napi::Object::New(env);
      row.Set("bytes", static_cast<double>(count * 2));
      row.Set("samplesUs", samples);
      rows.Set(static_cast<uint32_t>(s), row);
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("library", api->library);
    out.Set("ncclVersion", version);
    out.Set("ranks", n);
    out.Set("checkElements", static_cast<double>(checkCount * n));
    out.Set("checkMismatches", static_cast<double>(mismatches));
    out.Set("rows", rows);
    return out;
  });
}

}  // namespace

void RegisterAllReduce(Napi::Env env, Napi::Object exports) {
  exports.Set("ncclStatus", Napi::Function::New(env, NcclStatus, "ncclStatus"));
  exports.Set("allReduceBench", Napi::Function::New(env, AllReduceBench, "allReduceBench"));
}
