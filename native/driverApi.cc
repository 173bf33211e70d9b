#include "driverApi.h"

#include <cuda_runtime_api.h>

#include <cstring>
#include <mutex>

#include "cudaError.h"

namespace {

DriverApi g_api;
bool g_ok = false;
std::string g_reason;
std::once_flag g_once;

// The ABI version each symbol is requested at: these VMM calls have kept their signature since 10.2;
// asking for 12.0 picks the current variants without tying the addon to a newer driver.
constexpr unsigned kSymbolAbi = 12000;

template <typename Fn>
bool Load(const char* name, Fn*& slot) {
  void* fn = nullptr;
  cudaDriverEntryPointQueryResult status = cudaDriverEntryPointSymbolNotFound;
  cudaError_t err = cudaGetDriverEntryPointByVersion(name, &fn, kSymbolAbi, cudaEnableDefault, &status);
  if (err != cudaSuccess || status != cudaDriverEntryPointSuccess || fn == nullptr) {
    if (g_reason.empty()) {
      g_reason = err != cudaSuccess ? std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err)
                                    : std::string("driver entry point ") + name + " not found";
    }
    cudaGetLastError();
    return false;
  }
  slot = reinterpret_cast<Fn*>(fn);
  return true;
}

void LoadAll() {
  int driverVersion = 0;
  cudaDriverGetVersion(&driverVersion);
  if (driverVersion == 0) {
    g_reason = "no NVIDIA driver (libcuda.so.1) could be loaded";
    return;
  }
  bool ok = true;
  ok &= Load("cuGetErrorName", g_api.cuGetErrorName);
  ok &= Load("cuGetErrorString", g_api.cuGetErrorString);
  ok &= Load("cuDeviceGet", g_api.cuDeviceGet);
  ok &= Load("cuMemGetAllocationGranularity", g_api.cuMemGetAllocationGranularity);
  ok &= Load("cuMemCreate", g_api.cuMemCreate);
  ok &= Load("cuMemRelease", g_api.cuMemRelease);
  ok &= Load("cuMemAddressReserve", g_api.cuMemAddressReserve);
  ok &= Load("cuMemAddressFree", g_api.cuMemAddressFree);
  ok &= Load("cuMemMap", g_api.cuMemMap);
  ok &= Load("cuMemUnmap", g_api.cuMemUnmap);
  ok &= Load("cuMemSetAccess", g_api.cuMemSetAccess);
  ok &= Load("cuMemGetAccess", g_api.cuMemGetAccess);
  ok &= Load("cuMemRetainAllocationHandle", g_api.cuMemRetainAllocationHandle);
  ok &= Load("cuMemGetAllocationPropertiesFromHandle", g_api.cuMemGetAllocationPropertiesFromHandle);
  g_ok = ok;
}

}  // namespace

const DriverApi* Driver() {
  std::call_once(g_once, LoadAll);
  return g_ok ? &g_api : nullptr;
}

std::string DriverUnavailableReason() {
  std::call_once(g_once, LoadAll);
  return g_ok ? std::string() : g_reason;
}

const DriverApi& RequireDriver() {
  const DriverApi* api = Driver();
  if (api == nullptr) ThrowState("cudaGetDriverEntryPointByVersion", "", DriverUnavailableReason());
  return *api;
}

CUmemAllocationProp DevicePinnedProp(int device) {
  CUmemAllocationProp prop;
  std::memset(&prop, 0, sizeof prop);
  prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  prop.location.id = device;
  return prop;
}

CUmemAccessDesc DeviceReadWrite(int device) {
  CUmemAccessDesc desc;
  std::memset(&desc, 0, sizeof desc);
  desc.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  desc.location.id = device;
  desc.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
  return desc;
}
