// Error helpers: a failed CUDA call becomes a CudaCallError (C++), carried to JS as an Error with a
// `kvsimNative` property {call, args, code, codeName, detail}; src/gpu/nativeCall.ts rethrows it as a
// typed CudaCallError with the JS caller's stack. Core code (no N-API) throws; bindings convert.
#pragma once
#include <cuda.h>
#include <cuda_runtime_api.h>
#include <napi.h>
#include <cstdint>
#include <stdexcept>
#include <string>

struct CudaCallError : std::runtime_error {
  std::string call;      // e.g. "cuMemMap"
  std::string args;      // e.g. "ptr=0x7f.. size=2097152 handle=#3"
  int code;              // CUresult or cudaError_t value
  std::string codeName;  // e.g. "CUDA_ERROR_OUT_OF_MEMORY"
  std::string detail;    // the driver's description
  CudaCallError(std::string call, std::string args, int code, std::string codeName, std::string detail);
};

// Throws CudaCallError when a runtime call failed.
void CheckRuntime(cudaError_t err, const char* call, const std::string& args);
// Throws CudaCallError when a driver call failed (names come from the driver via cuGetErrorName).
void CheckDriver(CUresult res, const char* call, const std::string& args);
// A kvsim-side failure with no CUDA code (bad state, exhausted pool): code -1.
[[noreturn]] void ThrowState(const char* call, const std::string& args, const std::string& detail);

std::string Hex(uint64_t v);

// Runs `body` and converts a CudaCallError (or any std::exception) into a JS exception.
template <typename F>
auto GuardNative(Napi::Env env, F&& body) -> decltype(body());

[[noreturn]] void ThrowJs(Napi::Env env, const CudaCallError& e);
[[noreturn]] void ThrowJsPlain(Napi::Env env, const std::exception& e);

template <typename F>
auto GuardNative(Napi::Env env, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const CudaCallError& e) {
    ThrowJs(env, e);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    ThrowJsPlain(env, e);
  }
}

// Argument readers for bindings: TypeScript validated already, these only guard against misuse.
int64_t ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name);
uint64_t PropU64(const Napi::Object& o, const char* name);
bool PropBool(const Napi::Object& o, const char* name, bool fallback);
