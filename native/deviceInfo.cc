// Device discovery: what `kvsim gpu info` prints and what gpuAvailability() decides on. probe() never
// throws, so a machine without a driver or a GPU gets a reason, not an exception.
#include <cuda_runtime_api.h>

#include "cudaError.h"
#include "driverApi.h"
#include "modules.h"

namespace {

Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  int driverVersion = 0;
  int runtimeVersion = 0;
  cudaDriverGetVersion(&driverVersion);
  cudaRuntimeGetVersion(&runtimeVersion);
  out.Set("driverVersion", driverVersion);
  out.Set("runtimeVersion", runtimeVersion);
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  out.Set("deviceCount", err == cudaSuccess ? count : 0);
  if (err != cudaSuccess) {
    Napi::Object e = Napi::Object::New(env);
    e.Set("codeName", cudaGetErrorName(err));
    e.Set("detail", cudaGetErrorString(err));
    out.Set("error", e);
    cudaGetLastError();
  } else {
    std::string why = DriverUnavailableReason();
    if (!why.empty()) {
      Napi::Object e = Napi::Object::New(env);
      e.Set("codeName", "DRIVER_ENTRY_POINTS");
      e.Set("detail", why);
      out.Set("error", e);
    }
  }
  return out;
}

Napi::Value DeviceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int device = static_cast<int>(ArgInt(info, 0, "device"));
  return GuardNative(env, [&]() -> Napi::Value {
    const std::string args = "device=" + std::to_string(device);
    cudaDeviceProp prop;
    CheckRuntime(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties", args);
    int driverVersion = 0, runtimeVersion = 0, vmm = 0;
    cudaDriverGetVersion(&driverVersion);
    cudaRuntimeGetVersion(&runtimeVersion);
    CheckRuntime(cudaDeviceGetAttribute(&vmm, static_cast<cudaDeviceAttr>(CU_DEVICE_ATTRIBUTE_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED), device),
                 "cudaDeviceGetAttribute", args + " attr=VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED");
    size_t freeBytes = 0, totalBytes = 0;
    CheckRuntime(cudaSetDevice(device), "cudaSetDevice", args);
    CheckRuntime(cudaMemGetInfo(&freeBytes, &totalBytes), "cudaMemGetInfo", args);
    const DriverApi& api = RequireDriver();
    size_t minGran = 0, recGran = 0;
    CUmemAllocationProp ap = DevicePinnedProp(device);
    CheckDriver(api.cuMemGetAllocationGranularity(&minGran, &ap, CU_MEM_ALLOC_GRANULARITY_MINIMUM),
                "cuMemGetAllocationGranularity", args + " flag=MINIMUM");
    CheckDriver(api.cuMemGetAllocationGranularity(&recGran, &ap, CU_MEM_ALLOC_GRANULARITY_RECOMMENDED),
                "cuMemGetAllocationGranularity", args + " flag=RECOMMENDED");
    char bus[32];
    cudaDeviceGetPCIBusId(bus, sizeof bus, device);
    Napi::Object out = Napi::Object::New(env);
    out.Set("device", device);
    out.Set("name", prop.name);
    out.Set("pciBusId", bus);
    out.Set("totalMemoryBytes", static_cast<double>(totalBytes));
    out.Set("freeMemoryBytes", static_cast<double>(freeBytes));
    out.Set("smCount", prop.multiProcessorCount);
    out.Set("computeCapability", std::to_string(prop.major) + "." + std::to_string(prop.minor));
    out.Set("l2CacheBytes", prop.l2CacheSize);
    out.Set("driverVersion", driverVersion);
    out.Set("runtimeVersion", runtimeVersion);
    out.Set("vmmSupported", vmm != 0);
    out.Set("vmmGranularityBytes", static_cast<double>(minGran));
    out.Set("vmmRecommendedGranularityBytes", static_cast<double>(recGran));
    return out;
  });
}

Napi::Value MemInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int device = static_cast<int>(ArgInt(info, 0, "device"));
  return GuardNative(env, [&]() -> Napi::Value {
    const std::string args = "device=" + std::to_string(device);
    CheckRuntime(cudaSetDevice(device), "cudaSetDevice", args);
    // Outstanding async frees and unmaps must land before free memory is read.
    CheckRuntime(cudaDeviceSynchronize(), "cudaDeviceSynchronize", args);
    size_t freeBytes = 0, totalBytes = 0;
    CheckRuntime(cudaMemGetInfo(&freeBytes, &totalBytes), "cudaMemGetInfo", args);
    Napi::Object out = Napi::Object::New(env);
    out.Set("freeBytes", static_cast<double>(freeBytes));
    out.Set("totalBytes", static_cast<double>(totalBytes));
    return out;
  });
}

}  // namespace

void RegisterDeviceInfo(Napi::Env env, Napi::Object exports) {
  exports.Set("probe", Napi::Function::New(env, Probe, "probe"));
  exports.Set("deviceInfo", Napi::Function::New(env, DeviceInfo, "deviceInfo"));
  exports.Set("memInfo", Napi::Function::New(env, MemInfo, "memInfo"));
}
