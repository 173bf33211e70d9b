// Per-call latency of the CUDA VMM calls (what `kvsim gpu bench vmm` reports), timed here in C++ with
// a steady clock around each driver call so N-API overhead stays out of the numbers; and an overlap
// run that shows whether the arena's mapping thread hides mapping behind GPU work.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "cudaError.h"
#include "driverApi.h"
#include "modules.h"
#include "vmmArenaCore.h"

namespace {

using Clock = std::chrono::steady_clock;

double Us(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

Napi::Float64Array ToJs(Napi::Env env, const std::vector<double>& v) {
  Napi::Float64Array a = Napi::Float64Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); ++i) a[i] = v[i];
  return a;
}

Napi::Value VmmBench(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "kvsim native: vmmBench(options)");
  Napi::Object o = info[0].As<Napi::Object>();
  const int device = static_cast<int>(PropU64(o, "device"));
  const uint64_t pageBytes = PropU64(o, "pageBytes");
  const int pages = static_cast<int>(PropU64(o, "pages"));
  const int runPages = static_cast<int>(PropU64(o, "runPages"));
  const int mallocPages = static_cast<int>(PropU64(o, "mallocPages"));
  return GuardNative(env, [&]() -> Napi::Value {
    const DriverApi& api = RequireDriver();
    CheckRuntime(cudaSetDevice(device), "cudaSetDevice", "device=" + std::to_string(device));
    CheckRuntime(cudaFree(nullptr), "cudaFree", "nullptr (context init)");
    size_t freeBefore = 0, freeAfter = 0, total = 0;
    CheckRuntime(cudaMemGetInfo(&freeBefore, &total), "cudaMemGetInfo", "");
    const CUmemAllocationProp prop = DevicePinnedProp(device);
    const CUmemAccessDesc access = DeviceReadWrite(device);
    const std::string sz = "size=" + std::to_string(pageBytes);
    std::vector<double> create, map, setSingle, unmapSingle, remap, setBatched, unmapBatched, release, mallocUs, freeUs;
    // Warm-up, untimed: the first calls of a process pay one-off driver costs that are not per call.
    {
      const int warm = std::min(pages, 32);
      std::vector<CUmemGenericAllocationHandle> w(warm, 0);
      CUdeviceptr wbase = 0;
      const uint64_t wspan = pageBytes * static_cast<uint64_t>(warm);
      for (int i = 0; i < warm; ++i) CheckDriver(api.cuMemCreate(&w[i], pageBytes, &prop, 0), "cuMemCreate", sz + " (warm-up)");
      CheckDriver(api.cuMemAddressReserve(&wbase, wspan, pageBytes, 0, 0), "cuMemAddressReserve", "(warm-up)");
      for (int i = 0; i < warm; ++i) {
        const CUdeviceptr a = wbase + pageBytes * static_cast<uint64_t>(i);
        CheckDriver(api.cuMemMap(a, pageBytes, 0, w[i], 0), "cuMemMap", "(warm-up)");
        CheckDriver(api.cuMemSetAccess(a, pageBytes, &access, 1), "cuMemSetAccess", "(warm-up)");
      }
      for (int i = 0; i < warm; ++i) CheckDriver(api.cuMemUnmap(wbase + pageBytes * static_cast<uint64_t>(i), pageBytes), "cuMemUnmap", "(warm-up)");
      for (int i = 0; i < warm; ++i) CheckDriver(api.cuMemRelease(w[i]), "cuMemRelease", "(warm-up)");
      CheckDriver(api.cuMemAddressFree(wbase, wspan), "cuMemAddressFree", "(warm-up)");
      void* p = nullptr;
      CheckRuntime(cudaMalloc(&p, pageBytes), "cudaMalloc", sz + " (warm-up)");
      CheckRuntime(cudaFree(p), "cudaFree", "(warm-up)");
    }
    std::vector<CUmemGenericAllocationHandle> h(pages, 0);
    for (int i = 0; i < pages; ++i) {
      auto t0 = Clock::now();
      CUresult r = api.cuMemCreate(&h[i], pageBytes, &prop, 0);
      create.push_back(Us(t0));
      CheckDriver(r, "cuMemCreate", sz + " page=" + std::to_string(i));
    }
    const uint64_t span = pageBytes * static_cast<uint64_t>(pages);
    CUdeviceptr base = 0;
    CheckDriver(api.cuMemAddressReserve(&base, span, pageBytes, 0, 0), "cuMemAddressReserve", "size=" + std::to_string(span));
    auto at = [&](int i) { return base + pageBytes * static_cast<uint64_t>(i); };
    // Phase 1: one page at a time (map, then setAccess on that page alone), then unmap one at a time.
    for (int i = 0; i < pages; ++i) {
      auto t0 = Clock::now();
      CUresult r = api.cuMemMap(at(i), pageBytes, 0, h[i], 0);
      map.push_back(Us(t0));
      CheckDriver(r, "cuMemMap", "ptr=" + Hex(at(i)) + " " + sz);
      t0 = Clock::now();
      r = api.cuMemSetAccess(at(i), pageBytes, &access, 1);
      setSingle.push_back(Us(t0));
      CheckDriver(r, "cuMemSetAccess", "ptr=" + Hex(at(i)) + " " + sz);
    }
    for (int i = 0; i < pages; ++i) {
      auto t0 = Clock::now();
      CUresult r = api.cuMemUnmap(at(i), pageBytes);
      unmapSingle.push_back(Us(t0));
      CheckDriver(r, "cuMemUnmap", "ptr=" + Hex(at(i)) + " " + sz);
    }
    // Phase 2: map every page, then one setAccess per run of runPages contiguous pages; unmap per run.
    for (int i = 0; i < pages; ++i) {
      auto t0 = Clock::now();
      CUresult r = api.cuMemMap(at(i), pageBytes, 0, h[i], 0);
      remap.push_back(Us(t0));
      CheckDriver(r, "cuMemMap", "ptr=" + Hex(at(i)) + " " + sz + " (remap)");
    }
    for (int i = 0; i + runPages <= pages; i += runPages) {
      const uint64_t bytes = pageBytes * static_cast<uint64_t>(runPages);
      auto t0 = Clock::now();
      CUresult r = api.cuMemSetAccess(at(i), bytes, &access, 1);
      setBatched.push_back(Us(t0));
      CheckDriver(r, "cuMemSetAccess", "ptr=" + Hex(at(i)) + " size=" + std::to_string(bytes) + " (batched run)");
    }
    std::string unmapBatchedError;
    for (int i = 0; i + runPages <= pages; i += runPages) {
      const uint64_t bytes = pageBytes * static_cast<uint64_t>(runPages);
      auto t0 = Clock::now();
      CUresult r = api.cuMemUnmap(at(i), bytes);
      const double us = Us(t0);
      if (r != CUDA_SUCCESS) {
        // A range spanning several mappings may be refused: note why and unmap page by page.
        try {
          CheckDriver(r, "cuMemUnmap", "ptr=" + Hex(at(i)) + " size=" + std::to_string(bytes) + " (batched run)");
        } catch (const CudaCallError& e) {
          unmapBatchedError = e.what();
        }
        for (int j = i; j < i + runPages; ++j) CheckDriver(api.cuMemUnmap(at(j), pageBytes), "cuMemUnmap", "fallback");
        continue;
      }
      unmapBatched.push_back(us);
    }
    for (int i = (pages / runPages) * runPages; i < pages; ++i) CheckDriver(api.cuMemUnmap(at(i), pageBytes), "cuMemUnmap", "tail");
    for (int i = 0; i < pages; ++i) {
      auto t0 = Clock::now();
      CUresult r = api.cuMemRelease(h[i]);
      release.push_back(Us(t0));
      CheckDriver(r, "cuMemRelease", "page=" + std::to_string(i));
    }
    CheckDriver(api.cuMemAddressFree(base, span), "cuMemAddressFree", "size=" + std::to_string(span));
    // Reference: the same page size through cudaMalloc/cudaFree.
    std::vector<void*> ptrs(mallocPages, nullptr);
    for (int i = 0; i < mallocPages; ++i) {
      auto t0 = Clock::now();
      cudaError_t e = cudaMalloc(&ptrs[i], pageBytes);
      mallocUs.push_back(Us(t0));
      CheckRuntime(e, "cudaMalloc", sz);
    }
    for (int i = 0; i < mallocPages; ++i) {
      auto t0 = Clock::now();
      cudaError_t e = cudaFree(ptrs[i]);
      freeUs.push_back(Us(t0));
      CheckRuntime(e, "cudaFree", sz);
    }
    CheckRuntime(cudaDeviceSynchronize(), "cudaDeviceSynchronize", "");
    CheckRuntime(cudaMemGetInfo(&freeAfter, &total), "cudaMemGetInfo", "");
    Napi::Object out = Napi::Object::New(env);
    out.Set("createUs", ToJs(env, create));
    out.Set("mapUs", ToJs(env, map));
    out.Set("setAccessSingleUs", ToJs(env, setSingle));
    out.Set("unmapSingleUs", ToJs(env, unmapSingle));
    out.Set("remapUs", ToJs(env, remap));
    out.Set("setAccessBatchedUs", ToJs(env, setBatched));
    out.Set("unmapBatchedUs", ToJs(env, unmapBatched));
    if (!unmapBatchedError.empty()) out.Set("unmapBatchedError", unmapBatchedError);
    out.Set("releaseUs", ToJs(env, release));
    out.Set("cudaMallocUs", ToJs(env, mallocUs));
    out.Set("cudaFreeUs", ToJs(env, freeUs));
    out.Set("freeBytesBefore", static_cast<double>(freeBefore));
    out.Set("freeBytesAfter", static_cast<double>(freeAfter));
    return out;
  });
}

// Does the mapping thread hide mapping behind GPU work? Times, in one process: GPU work alone (an
// async memset over `busyBytes`), mapping `groups` page groups of `buffers` pages alone (sync), and
// both together with the mapping queued on the arena's thread while the memset runs.
Napi::Value VmmOverlapBench(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "kvsim native: vmmOverlapBench(options)");
  Napi::Object o = info[0].As<Napi::Object>();
  VmmArenaConfig c;
  c.device = static_cast<int>(PropU64(o, "device"));
  c.pageBytes = PropU64(o, "pageBytes");
  c.buffers = static_cast<int>(PropU64(o, "buffers"));
  const int groups = static_cast<int>(PropU64(o, "groups"));
  const uint64_t busyBytes = PropU64(o, "busyBytes");
  const int reps = static_cast<int>(PropU64(o, "reps"));
  c.slots = 1;
  c.slotBytes = c.pageBytes * groups;
  c.poolPages = c.buffers * groups;
  c.background = true;
  return GuardNative(env, [&]() -> Napi::Value {
    VmmArenaCore arena(c);
    void* scratch = nullptr;
    CheckRuntime(cudaMalloc(&scratch, busyBytes), "cudaMalloc", "size=" + std::to_string(busyBytes) + " (overlap scratch)");
    cudaStream_t stream = nullptr;
    CheckRuntime(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreateWithFlags", "");
    std::vector<double> busyUs, mapUs, unmapUs, bothUs, enqueueUs, flushUs;
    int memsets = 1;  // GPU work is sized to about the mapping time, so overlap has room to show
    auto busyWork = [&](int r) {
      for (int k = 0; k < memsets; ++k) {
        CheckRuntime(cudaMemsetAsync(scratch, (r + k) & 0xff, busyBytes, stream), "cudaMemsetAsync", "");
      }
    };
    try {
      for (int r = 0; r < reps + 1; ++r) {  // rep 0 warms up, sizes the GPU work, and is dropped
        auto t0 = Clock::now();
        busyWork(r);
        CheckRuntime(cudaStreamSynchronize(stream), "cudaStreamSynchronize", "");
        const double busy = Us(t0);
        t0 = Clock::now();
        for (int g = 0; g < groups; ++g) arena.Map(0, g, 1);
        const double mapSync = Us(t0);
        t0 = Clock::now();
        arena.Unmap(0, 0, groups);
        const double unmap = Us(t0);
        if (r == 0) {
          memsets = std::max(1, static_cast<int>(mapSync / std::max(1.0, busy) + 0.5));
          continue;
        }
        t0 = Clock::now();
        busyWork(r);
        for (int g = 0; g < groups; ++g) arena.EnqueueMap(0, g, 1);
        const double enq = Us(t0);
        arena.Flush();
        const double flushed = Us(t0);  // the mapping thread is done (GPU work may still run)
        CheckRuntime(cudaStreamSynchronize(stream), "cudaStreamSynchronize", "");
        const double both = Us(t0);
        arena.Unmap(0, 0, groups);
        busyUs.push_back(busy);
        mapUs.push_back(mapSync);
        unmapUs.push_back(unmap);
        bothUs.push_back(both);
        enqueueUs.push_back(enq);
        flushUs.push_back(flushed);
      }
    } catch (...) {
      cudaStreamDestroy(stream);
      cudaFree(scratch);
      throw;
    }
    CheckRuntime(cudaStreamDestroy(stream), "cudaStreamDestroy", "");
    CheckRuntime(cudaFree(scratch), "cudaFree", "overlap scratch");
    arena.Destroy();
    Napi::Object out = Napi::Object::New(env);
    out.Set("busyUs", ToJs(env, busyUs));
    out.Set("mapSyncUs", ToJs(env, mapUs));
    out.Set("unmapUs", ToJs(env, unmapUs));
    out.Set("overlappedUs", ToJs(env, bothUs));
    out.Set("enqueueUs", ToJs(env, enqueueUs));
    out.Set("flushUs", ToJs(env, flushUs));
    out.Set("memsets", memsets);
    return out;
  });
}

}  // namespace

void RegisterVmmBench(Napi::Env env, Napi::Object exports) {
  exports.Set("vmmBench", Napi::Function::New(env, VmmBench, "vmmBench"));
  exports.Set("vmmOverlapBench", Napi::Function::New(env, VmmOverlapBench, "vmmOverlapBench"));
}
