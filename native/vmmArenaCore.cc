#include "vmmArenaCore.h"

#include <cuda_runtime_api.h>

#include <chrono>
#include <cstring>

namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string RunArgs(int slot, int firstPage, int count) {
  return "slot=" + std::to_string(slot) + " firstPage=" + std::to_string(firstPage) +
         " count=" + std::to_string(count);
}

}  // namespace

VmmArenaCore::VmmArenaCore(const VmmArenaConfig& config) : config_(config) {
  const std::string cfgArgs = "buffers=" + std::to_string(config.buffers) + " slots=" + std::to_string(config.slots) +
                              " slotBytes=" + std::to_string(config.slotBytes) +
                              " pageBytes=" + std::to_string(config.pageBytes);
  if (config.buffers <= 0 || config.slots <= 0 || config.pageBytes == 0 || config.slotBytes == 0 ||
      config.slotBytes % config.pageBytes != 0 || config.poolPages < 0) {
    ThrowState("VmmArena", cfgArgs, "invalid configuration (slotBytes must be a positive multiple of pageBytes)");
  }
  api_ = &RequireDriver();
  pagesPerSlot_ = static_cast<int>(config.slotBytes / config.pageBytes);
  const size_t pageAddrs = static_cast<size_t>(config.buffers) * config.slots * pagesPerSlot_;
  handles_.assign(pageAddrs, 0);
  mapped_.assign(pageAddrs, 0);
  CheckRuntime(cudaSetDevice(config.device), "cudaSetDevice", "device=" + std::to_string(config.device));
  CheckRuntime(cudaFree(nullptr), "cudaFree", "nullptr (context init)");
  try {
    const uint64_t bufferBytes = config.slotBytes * static_cast<uint64_t>(config.slots);
    for (int b = 0; b < config.buffers; ++b) {
      CUdeviceptr base = 0;
      CheckDriver(api_->cuMemAddressReserve(&base, bufferBytes, config.pageBytes, 0, 0), "cuMemAddressReserve",
                  "size=" + std::to_string(bufferBytes) + " alignment=" + std::to_string(config.pageBytes) +
                      " buffer=" + std::to_string(b));
      bases_.push_back(base);
    }
    if (!config.onDemand) {
      CUmemAllocationProp prop = DevicePinnedProp(config.device);
      pool_.reserve(config.poolPages);
      for (int i = 0; i < config.poolPages; ++i) {
        CUmemGenericAllocationHandle h = 0;
        auto t0 = Clock::now();
        CheckDriver(api_->cuMemCreate(&h, config.pageBytes, &prop, 0), "cuMemCreate",
                    "size=" + std::to_string(config.pageBytes) + " device=" + std::to_string(config.device) +
                        " page=" + std::to_string(i) + " of poolPages=" + std::to_string(config.poolPages));
        stats_.createS += Since(t0);
        stats_.creates++;
        createdCount_++;
        pool_.push_back(h);
      }
    }
  } catch (...) {
    try {
      Destroy();
    } catch (...) {
    }
    throw;
  }
  if (config.background) worker_ = std::thread(&VmmArenaCore::Worker, this);
}

VmmArenaCore::~VmmArenaCore() {
  try {
    Destroy();
  } catch (...) {
    // A finalizer cannot report; explicit destroy() does.
  }
}

size_t VmmArenaCore::Index(int buffer, int slot, int page) const {
  return (static_cast<size_t>(buffer) * config_.slots + slot) * pagesPerSlot_ + page;
}

uint64_t VmmArenaCore::Address(int buffer, int slot, int page) const {
  return bases_[buffer] + static_cast<uint64_t>(slot) * config_.slotBytes + static_cast<uint64_t>(page) * config_.pageBytes;
}

void VmmArenaCore::CheckRange(const char* call, int slot, int firstPage, int count) const {
  if (destroyed_) ThrowState(call, RunArgs(slot, firstPage, count), "the arena was destroyed");
  if (slot < 0 || slot >= config_.slots || firstPage < 0 || count <= 0 || firstPage + count > pagesPerSlot_) {
    ThrowState(call, RunArgs(slot, firstPage, count),
               "out of range (slots=" + std::to_string(config_.slots) + ", pagesPerSlot=" + std::to_string(pagesPerSlot_) + ")");
  }
}

CUmemGenericAllocationHandle VmmArenaCore::TakePage(const std::string& args) {
  if (config_.onDemand) {
    if (createdCount_ >= static_cast<uint64_t>(config_.poolPages)) {
      ThrowState("cuMemCreate", args, "page cap reached (poolPages=" + std::to_string(config_.poolPages) + ")");
    }
    CUmemAllocationProp prop = DevicePinnedProp(config_.device);
    CUmemGenericAllocationHandle h = 0;
    auto t0 = Clock::now();
    CheckDriver(api_->cuMemCreate(&h, config_.pageBytes, &prop, 0), "cuMemCreate",
                "size=" + std::to_string(config_.pageBytes) + " " + args);
    stats_.createS += Since(t0);
    stats_.creates++;
    createdCount_++;
    return h;
  }
  if (pool_.empty()) {
    ThrowState("mapPages", args, "physical page pool exhausted (poolPages=" + std::to_string(config_.poolPages) + ")");
  }
  CUmemGenericAllocationHandle h = pool_.back();
  pool_.pop_back();
  return h;
}

void VmmArenaCore::GivePage(CUmemGenericAllocationHandle h, const std::string& args) {
  if (!config_.onDemand) {
    pool_.push_back(h);
    return;
  }
  auto t0 = Clock::now();
  CUresult r = api_->cuMemRelease(h);
  stats_.releaseS += Since(t0);
  stats_.releases++;
  createdCount_--;
  CheckDriver(r, "cuMemRelease", args);
}

void VmmArenaCore::MapLocked(int slot, int firstPage, int count) {
  CheckRange("mapPages", slot, firstPage, count);
  for (int b = 0; b < config_.buffers; ++b) {
    for (int p = firstPage; p < firstPage + count; ++p) {
      if (mapped_[Index(b, slot, p)]) {
        ThrowState("mapPages", RunArgs(slot, firstPage, count),
                   "page " + std::to_string(p) + " of buffer " + std::to_string(b) + " is already mapped");
      }
    }
  }
  const CUmemAccessDesc access = DeviceReadWrite(config_.device);
  // Pages mapped by this call, so a failure part-way leaves the arena as it was.
  std::vector<std::pair<int, int>> done;
  try {
    for (int b = 0; b < config_.buffers; ++b) {
      for (int p = firstPage; p < firstPage + count; ++p) {
        const uint64_t addr = Address(b, slot, p);
        const std::string args = "ptr=" + Hex(addr) + " size=" + std::to_string(config_.pageBytes) +
                                 " buffer=" + std::to_string(b) + " " + RunArgs(slot, p, 1);
        CUmemGenericAllocationHandle h = TakePage(args);
        auto t0 = Clock::now();
        CUresult r = api_->cuMemMap(addr, config_.pageBytes, 0, h, 0);
        stats_.mapS += Since(t0);
        stats_.maps++;
        if (r != CUDA_SUCCESS) {
          GivePage(h, args);
          CheckDriver(r, "cuMemMap", args);
        }
        handles_[Index(b, slot, p)] = h;
        mapped_[Index(b, slot, p)] = 1;
        mappedCount_++;
        done.emplace_back(b, p);
        if (!config_.batchedAccess) {
          auto t1 = Clock::now();
          CUresult ra = api_->cuMemSetAccess(addr, config_.pageBytes, &access, 1);
          stats_.setAccessS += Since(t1);
          stats_.setAccessCalls++;
          CheckDriver(ra, "cuMemSetAccess", args + " flags=READWRITE");
        }
      }
      if (config_.batchedAccess) {
        // The run is contiguous in this buffer's VA, so one call covers all its pages.
        const uint64_t addr = Address(b, slot, firstPage);
        const uint64_t size = config_.pageBytes * static_cast<uint64_t>(count);
        auto t1 = Clock::now();
        CUresult ra = api_->cuMemSetAccess(addr, size, &access, 1);
        stats_.setAccessS += Since(t1);
        stats_.setAccessCalls++;
        CheckDriver(ra, "cuMemSetAccess", "ptr=" + Hex(addr) + " size=" + std::to_string(size) +
                                              " buffer=" + std::to_string(b) + " " + RunArgs(slot, firstPage, count) +
                                              " flags=READWRITE");
      }
    }
  } catch (...) {
    for (auto it = done.rbegin(); it != done.rend(); ++it) {
      const size_t i = Index(it->first, slot, it->second);
      api_->cuMemUnmap(Address(it->first, slot, it->second), config_.pageBytes);
      try {
        GivePage(handles_[i], "rollback");
      } catch (...) {
      }
      handles_[i] = 0;
      mapped_[i] = 0;
      mappedCount_--;
    }
    throw;
  }
}

void VmmArenaCore::UnmapLocked(int slot, int firstPage, int count) {
  CheckRange("unmapPages", slot, firstPage, count);
  for (int b = 0; b < config_.buffers; ++b) {
    for (int p = firstPage; p < firstPage + count; ++p) {
      if (!mapped_[Index(b, slot, p)]) {
        ThrowState("unmapPages", RunArgs(slot, firstPage, count),
                   "page " + std::to_string(p) + " of buffer " + std::to_string(b) + " is not mapped");
      }
    }
  }
  for (int b = 0; b < config_.buffers; ++b) {
    for (int p = firstPage; p < firstPage + count; ++p) {
      const size_t i = Index(b, slot, p);
      const uint64_t addr = Address(b, slot, p);
      const std::string args = "ptr=" + Hex(addr) + " size=" + std::to_string(config_.pageBytes) +
                               " buffer=" + std::to_string(b) + " " + RunArgs(slot, p, 1);
      auto t0 = Clock::now();
      CUresult r = api_->cuMemUnmap(addr, config_.pageBytes);
      stats_.unmapS += Since(t0);
      stats_.unmaps++;
      CheckDriver(r, "cuMemUnmap", args);
      mapped_[i] = 0;
      mappedCount_--;
      CUmemGenericAllocationHandle h = handles_[i];
      handles_[i] = 0;
      GivePage(h, args);
    }
  }
}

void VmmArenaCore::Map(int slot, int firstPage, int count) {
  Flush();  // keep the caller's order: queued work first
  std::lock_guard<std::mutex> lock(mu_);
  MapLocked(slot, firstPage, count);
}

void VmmArenaCore::Unmap(int slot, int firstPage, int count) {
  Flush();
  std::lock_guard<std::mutex> lock(mu_);
  UnmapLocked(slot, firstPage, count);
}

void VmmArenaCore::EnqueueMap(int slot, int firstPage, int count) {
  if (!config_.background) return Map(slot, firstPage, count);
  CheckRange("enqueueMap", slot, firstPage, count);
  {
    std::lock_guard<std::mutex> lock(qmu_);
    queue_.push_back(Op{true, slot, firstPage, count});
  }
  qcv_.notify_all();
}

void VmmArenaCore::EnqueueUnmap(int slot, int firstPage, int count) {
  if (!config_.background) return Unmap(slot, firstPage, count);
  CheckRange("enqueueUnmap", slot, firstPage, count);
  {
    std::lock_guard<std::mutex> lock(qmu_);
    queue_.push_back(Op{false, slot, firstPage, count});
  }
  qcv_.notify_all();
}

void VmmArenaCore::Flush() {
  std::unique_ptr<CudaCallError> err;
  {
    std::unique_lock<std::mutex> lock(qmu_);
    qcv_.wait(lock, [this] { return queue_.empty() && !busy_; });
    err.swap(workerError_);
  }
  if (err) throw *err;
}

void VmmArenaCore::Worker() {
  // The driver needs a current context on this thread: the primary context, as the runtime uses.
  cudaSetDevice(config_.device);
  cudaFree(nullptr);
  std::unique_lock<std::mutex> lock(qmu_);
  for (;;) {
    qcv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty() && stop_) return;
    Op op = queue_.front();
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    std::unique_ptr<CudaCallError> failure;
    try {
      std::lock_guard<std::mutex> state(mu_);
      if (op.map) {
        MapLocked(op.slot, op.firstPage, op.count);
      } else {
        UnmapLocked(op.slot, op.firstPage, op.count);
      }
    } catch (const CudaCallError& e) {
      failure.reset(new CudaCallError(e));
    } catch (const std::exception& e) {
      failure.reset(new CudaCallError(op.map ? "mapPages" : "unmapPages", RunArgs(op.slot, op.firstPage, op.count), -1,
                                      "KVSIM_STATE", e.what()));
    }
    lock.lock();
    busy_ = false;
    if (failure) {
      // Later ops assumed this one succeeded: drop them and report the first failure at Flush().
      queue_.clear();
      if (!workerError_) workerError_ = std::move(failure);
    }
    qcv_.notify_all();
  }
}

void VmmArenaCore::StopWorker() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(qmu_);
    stop_ = true;
  }
  qcv_.notify_all();
  worker_.join();
}

VmmDeviceView VmmArenaCore::QueryDevice() {
  Flush();
  std::lock_guard<std::mutex> lock(mu_);
  if (destroyed_) ThrowState("queryDevice", "", "the arena was destroyed");
  VmmDeviceView view;
  view.pagesPerSlot.assign(config_.slots, 0);
  auto t0 = Clock::now();
  CUmemLocation loc;
  std::memset(&loc, 0, sizeof loc);
  loc.type = CU_MEM_LOCATION_TYPE_DEVICE;
  loc.id = config_.device;
  for (int b = 0; b < config_.buffers; ++b) {
    for (int s = 0; s < config_.slots; ++s) {
      for (int p = 0; p < pagesPerSlot_; ++p) {
        const uint64_t addr = Address(b, s, p);
        const size_t i = Index(b, s, p);
        view.queriedPages++;
        CUmemGenericAllocationHandle h = 0;
        CUresult r = api_->cuMemRetainAllocationHandle(&h, reinterpret_cast<void*>(addr));
        const bool driverMapped = r == CUDA_SUCCESS;
        if (driverMapped) {
          view.mappedPages++;
          view.pagesPerSlot[s]++;
          if (h != handles_[i]) view.handleMismatches++;
          api_->cuMemRelease(h);  // drop the reference the retain added
          unsigned long long flags = 0;
          if (api_->cuMemGetAccess(&flags, &loc, addr) == CUDA_SUCCESS && flags == CU_MEM_ACCESS_FLAGS_PROT_READWRITE) {
            view.readWritePages++;
          }
        }
        if (driverMapped != (mapped_[i] != 0)) view.bookkeepingMismatches++;
      }
    }
  }
  view.queryS = Since(t0);
  return view;
}

uint64_t VmmArenaCore::VerifyAccess(int slot, int firstPage, int count, uint8_t byte) {
  Flush();
  std::lock_guard<std::mutex> lock(mu_);
  CheckRange("verifyAccess", slot, firstPage, count);
  const uint64_t size = config_.pageBytes * static_cast<uint64_t>(count);
  uint32_t expect;
  std::memset(&expect, byte, sizeof expect);
  uint64_t bad = 0;
  for (int b = 0; b < config_.buffers; ++b) {
    void* ptr = reinterpret_cast<void*>(Address(b, slot, firstPage));
    const std::string args = "ptr=" + Hex(Address(b, slot, firstPage)) + " size=" + std::to_string(size);
    CheckRuntime(cudaMemset(ptr, byte, size), "cudaMemset", args);
  }
  CheckRuntime(cudaDeviceSynchronize(), "cudaDeviceSynchronize", "after verifyAccess memset");
  for (int b = 0; b < config_.buffers; ++b) {
    for (int p = firstPage; p < firstPage + count; ++p) {
      const uint64_t first = Address(b, slot, p);
      const uint64_t last = first + config_.pageBytes - sizeof(uint32_t);
      for (uint64_t a : {first, last}) {
        uint32_t got = 0;
        CheckRuntime(cudaMemcpy(&got, reinterpret_cast<void*>(a), sizeof got, cudaMemcpyDeviceToHost), "cudaMemcpy",
                     "src=" + Hex(a) + " size=4");
        if (got != expect) bad++;
      }
    }
  }
  return bad;
}

void VmmArenaCore::Destroy() {
  StopWorker();
  std::lock_guard<std::mutex> lock(mu_);
  if (destroyed_) return;
  destroyed_ = true;
  std::unique_ptr<CudaCallError> first;
  auto keep = [&](CUresult r, const char* call, const std::string& args) {
    if (r == CUDA_SUCCESS || first) return;
    try {
      CheckDriver(r, call, args);
    } catch (const CudaCallError& e) {
      first.reset(new CudaCallError(e));
    }
  };
  if (api_ != nullptr) {
    for (int b = 0; b < static_cast<int>(bases_.size()); ++b) {
      for (int s = 0; s < config_.slots; ++s) {
        for (int p = 0; p < pagesPerSlot_; ++p) {
          const size_t i = Index(b, s, p);
          if (!mapped_[i]) continue;
          keep(api_->cuMemUnmap(Address(b, s, p), config_.pageBytes), "cuMemUnmap", "teardown ptr=" + Hex(Address(b, s, p)));
          keep(api_->cuMemRelease(handles_[i]), "cuMemRelease", "teardown");
          mapped_[i] = 0;
          mappedCount_--;
          createdCount_--;
        }
      }
    }
    for (CUmemGenericAllocationHandle h : pool_) {
      keep(api_->cuMemRelease(h), "cuMemRelease", "teardown pool");
      createdCount_--;
    }
    pool_.clear();
    const uint64_t bufferBytes = config_.slotBytes * static_cast<uint64_t>(config_.slots);
    for (CUdeviceptr base : bases_) {
      keep(api_->cuMemAddressFree(base, bufferBytes), "cuMemAddressFree", "ptr=" + Hex(base) + " size=" + std::to_string(bufferBytes));
    }
    bases_.clear();
  }
  if (first) throw *first;
}

int VmmArenaCore::freePoolPages() {
  Flush();
  std::lock_guard<std::mutex> lock(mu_);
  return config_.onDemand ? config_.poolPages - static_cast<int>(createdCount_) : static_cast<int>(pool_.size());
}

uint64_t VmmArenaCore::mappedPages() {
  Flush();
  std::lock_guard<std::mutex> lock(mu_);
  return mappedCount_;
}

uint64_t VmmArenaCore::createdPages() {
  Flush();
  std::lock_guard<std::mutex> lock(mu_);
  return createdCount_;
}

VmmCallStats VmmArenaCore::stats() {
  Flush();
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}
