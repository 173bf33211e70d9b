#include "cudaError.h"

#include <cstdio>

#include "driverApi.h"

CudaCallError::CudaCallError(std::string call_, std::string args_, int code_, std::string codeName_,
                             std::string detail_)
    : std::runtime_error(call_ + "(" + args_ + ") failed: " + codeName_ + " (" + std::to_string(code_) +
                         "): " + detail_),
      call(std::move(call_)),
      args(std::move(args_)),
      code(code_),
      codeName(std::move(codeName_)),
      detail(std::move(detail_)) {}

void CheckRuntime(cudaError_t err, const char* call, const std::string& args) {
  if (err == cudaSuccess) return;
  cudaGetLastError();  // clear the sticky-free error so the next call starts clean
  throw CudaCallError(call, args, static_cast<int>(err), cudaGetErrorName(err), cudaGetErrorString(err));
}

void CheckDriver(CUresult res, const char* call, const std::string& args) {
  if (res == CUDA_SUCCESS) return;
  const char* name = nullptr;
  const char* text = nullptr;
  const DriverApi* api = Driver();
  if (api != nullptr) {
    api->cuGetErrorName(res, &name);
    api->cuGetErrorString(res, &text);
  }
  throw CudaCallError(call, args, static_cast<int>(res), name ? name : "CUDA_ERROR_UNKNOWN_CODE",
                      text ? text : "no description");
}

void ThrowState(const char* call, const std::string& args, const std::string& detail) {
  throw CudaCallError(call, args, -1, "KVSIM_STATE", detail);
}

std::string Hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

void ThrowJs(Napi::Env env, const CudaCallError& e) {
  Napi::Error err = Napi::Error::New(env, e.what());
  Napi::Object info = Napi::Object::New(env);
  info.Set("call", e.call);
  info.Set("args", e.args);
  info.Set("code", e.code);
  info.Set("codeName", e.codeName);
  info.Set("detail", e.detail);
  err.Value().Set("kvsimNative", info);
  throw err;
}

void ThrowJsPlain(Napi::Env env, const std::exception& e) {
  throw Napi::Error::New(env, std::string("kvsim native: ") + e.what());
}

int64_t ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string("kvsim native: argument ") + name + " must be a number");
  }
  return info[i].As<Napi::Number>().Int64Value();
}

uint64_t PropU64(const Napi::Object& o, const char* name) {
  Napi::Value v = o.Get(name);
  if (!v.IsNumber()) {
    throw Napi::TypeError::New(o.Env(), std::string("kvsim native: option ") + name + " must be a number");
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (d < 0) throw Napi::RangeError::New(o.Env(), std::string("kvsim native: option ") + name + " must be >= 0");
  return static_cast<uint64_t>(d);
}

bool PropBool(const Napi::Object& o, const char* name, bool fallback) {
  Napi::Value v = o.Get(name);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
}
