// The CUDA driver API, reached without linking libcuda: cudart (static) opens the driver at run time
// and hands out entry points through cudaGetDriverEntryPointByVersion. On a machine with no driver,
// Driver() returns null and DriverUnavailableReason() says why, instead of the addon failing to load.
#pragma once
#include <cuda.h>
#include <string>

struct DriverApi {
  CUresult (*cuGetErrorName)(CUresult, const char**);
  CUresult (*cuGetErrorString)(CUresult, const char**);
  CUresult (*cuDeviceGet)(CUdevice*, int);
  CUresult (*cuMemGetAllocationGranularity)(size_t*, const CUmemAllocationProp*, CUmemAllocationGranularity_flags);
  CUresult (*cuMemCreate)(CUmemGenericAllocationHandle*, size_t, const CUmemAllocationProp*, unsigned long long);
  CUresult (*cuMemRelease)(CUmemGenericAllocationHandle);
  CUresult (*cuMemAddressReserve)(CUdeviceptr*, size_t, size_t, CUdeviceptr, unsigned long long);
  CUresult (*cuMemAddressFree)(CUdeviceptr, size_t);
  CUresult (*cuMemMap)(CUdeviceptr, size_t, size_t, CUmemGenericAllocationHandle, unsigned long long);
  CUresult (*cuMemUnmap)(CUdeviceptr, size_t);
  CUresult (*cuMemSetAccess)(CUdeviceptr, size_t, const CUmemAccessDesc*, size_t);
  CUresult (*cuMemGetAccess)(unsigned long long*, const CUmemLocation*, CUdeviceptr);
  CUresult (*cuMemRetainAllocationHandle)(CUmemGenericAllocationHandle*, void*);
  CUresult (*cuMemGetAllocationPropertiesFromHandle)(CUmemAllocationProp*, CUmemGenericAllocationHandle);
};

// The loaded entry points, or null when no usable driver is present (thread-safe, loads once).
const DriverApi* Driver();
// Why Driver() is null ("" when it is not).
std::string DriverUnavailableReason();
// Driver() or a CudaCallError naming the missing driver.
const DriverApi& RequireDriver();

// Properties of a pinned device allocation on `device` (what cuMemCreate and granularity queries take).
CUmemAllocationProp DevicePinnedProp(int device);
// Read-write access for `device` (what cuMemSetAccess takes).
CUmemAccessDesc DeviceReadWrite(int device);
