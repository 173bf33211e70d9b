// Registers the addon's exports, nothing else: every native concept lives in its own file.
#include "cublasApi.h"
#include "modules.h"

namespace {

// cuBLAS is opened at run time (cublasApi.cc), so whether it is usable is asked on first read, not
// fixed at build time: loading the addon stays cheap and never touches libcublas unless asked.
Napi::Value HasCublas(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), Cublas() != nullptr); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Array modules = Napi::Array::New(env);
  auto listed = [&](const char* name) { modules.Set(modules.Length(), Napi::String::New(env, name)); };
  // Registers optional module Name when its file is in this build (see modules.h), and lists it.
#define KVSIM_REGISTER(Name)      \
  if (Register##Name) {           \
    Register##Name(env, exports); \
    listed(#Name);                \
  }
  // Bumped when the binding's shape changes, so src/gpu/loadNative.ts can refuse a stale build.
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  exports.DefineProperty(Napi::PropertyDescriptor::Accessor(env, exports, "hasCublas", HasCublas, napi_enumerable));
  RegisterDeviceInfo(env, exports);
  RegisterVmmArena(env, exports);
  RegisterBlockPool(env, exports);
  RegisterVmmBench(env, exports);
  listed("DeviceInfo");
  listed("VmmArena");
  listed("BlockPool");
  listed("VmmBench");
  KVSIM_REGISTER(GpuModel);
  KVSIM_REGISTER(Attention);
  KVSIM_REGISTER(Xlstm);
  KVSIM_REGISTER(AllReduce);
#undef KVSIM_REGISTER
  exports.Set("modules", modules);
  return exports;
}

}  // namespace

NODE_API_MODULE(kvsim_native, Init)
