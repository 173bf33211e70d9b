// The vAttention mechanism without N-API: `buffers` (2L) virtual buffers of `slots` x `slotBytes`,
// each reserved with cuMemAddressReserve; slot r of buffer b owns [base_b + r*S, base_b + (r+1)*S).
// Physical pages of `pageBytes` come from a pool created up front with cuMemCreate (or, with
// onDemand, are created on map and released on unmap, so device free memory tracks what is mapped).
// A page group (one page in every buffer) is the unit the memory policy grows by.
//
// Mapping can run on a background thread: Enqueue* returns at once, Flush() waits for the queue and
// rethrows the first failure, so mapping overlaps the kernels the caller launches meanwhile.
#pragma once
#include <cuda.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cudaError.h"
#include "driverApi.h"

struct VmmArenaConfig {
  int device = 0;
  int buffers = 0;
  int slots = 0;
  uint64_t slotBytes = 0;
  uint64_t pageBytes = 0;
  int poolPages = 0;          // physical pages (pool size; the cap in onDemand mode)
  bool onDemand = false;      // cuMemCreate on map / cuMemRelease on unmap instead of a pool
  bool batchedAccess = true;  // one cuMemSetAccess per contiguous run instead of per page
  bool background = true;     // a mapping thread serves Enqueue*
};

// Cumulative driver work, for calibration: counts and seconds spent inside each call.
struct VmmCallStats {
  uint64_t creates = 0, maps = 0, setAccessCalls = 0, unmaps = 0, releases = 0;
  double createS = 0, mapS = 0, setAccessS = 0, unmapS = 0, releaseS = 0;
};

// What the driver says is mapped, page by page (not the arena's own bookkeeping).
struct VmmDeviceView {
  uint64_t queriedPages = 0;
  uint64_t mappedPages = 0;       // cuMemRetainAllocationHandle succeeded at the page's address
  uint64_t readWritePages = 0;    // cuMemGetAccess reports READWRITE for this device
  uint64_t handleMismatches = 0;  // the retained handle differs from the one the arena mapped there
  uint64_t bookkeepingMismatches = 0;  // driver and arena disagree on whether the page is mapped
  std::vector<int32_t> pagesPerSlot;   // mapped page groups' pages per slot, summed over buffers
  double queryS = 0;
};

class VmmArenaCore {
 public:
  explicit VmmArenaCore(const VmmArenaConfig& config);
  ~VmmArenaCore();
  VmmArenaCore(const VmmArenaCore&) = delete;
  VmmArenaCore& operator=(const VmmArenaCore&) = delete;

  // Synchronous: map/unmap pages [firstPage, firstPage+count) of `slot` in every buffer.
  void Map(int slot, int firstPage, int count);
  void Unmap(int slot, int firstPage, int count);
  // Background: queued in order; failures surface at the next Flush().
  void EnqueueMap(int slot, int firstPage, int count);
  void EnqueueUnmap(int slot, int firstPage, int count);
  void Flush();

  VmmDeviceView QueryDevice();
  // Writes `byte` over the pages through the device and reads back the first and last word of each
  // page; returns how many words disagreed (0 proves the mapping and its access rights work).
  uint64_t VerifyAccess(int slot, int firstPage, int count, uint8_t byte);

  // Releases everything (idempotent). Throws the first failure after trying every release.
  void Destroy();

  const VmmArenaConfig& config() const { return config_; }
  int pagesPerSlot() const { return pagesPerSlot_; }
  uint64_t bufferBase(int buffer) const { return bases_.at(buffer); }
  int freePoolPages();
  uint64_t mappedPages();
  uint64_t createdPages();
  VmmCallStats stats();

 private:
  struct Op {
    bool map;
    int slot, firstPage, count;
  };
  size_t Index(int buffer, int slot, int page) const;
  uint64_t Address(int buffer, int slot, int page) const;
  void CheckRange(const char* call, int slot, int firstPage, int count) const;
  void MapLocked(int slot, int firstPage, int count);
  void UnmapLocked(int slot, int firstPage, int count);
  CUmemGenericAllocationHandle TakePage(const std::string& args);
  void GivePage(CUmemGenericAllocationHandle h, const std::string& args);
  void Worker();
  void StopWorker();

  VmmArenaConfig config_;
  int pagesPerSlot_ = 0;
  const DriverApi* api_ = nullptr;
  std::vector<CUdeviceptr> bases_;
  std::vector<CUmemGenericAllocationHandle> pool_;     // free physical pages
  std::vector<CUmemGenericAllocationHandle> handles_;  // per page address: the handle mapped there
  std::vector<uint8_t> mapped_;                        // per page address: 1 when mapped
  uint64_t mappedCount_ = 0;
  uint64_t createdCount_ = 0;  // live cuMemCreate handles (pool + mapped)
  VmmCallStats stats_;
  bool destroyed_ = false;

  std::mutex mu_;  // guards all state above while the worker runs
  std::mutex qmu_;
  std::condition_variable qcv_;
  std::deque<Op> queue_;
  bool busy_ = false;
  bool stop_ = false;
  std::unique_ptr<CudaCallError> workerError_;
  std::thread worker_;
};
