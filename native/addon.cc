// Registers the addon's exports, nothing else: every native concept lives in its own file.
#include "modules.h"

namespace {

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
  exports.Set("hasCublas", Napi::Boolean::New(env, KVSIM_HAS_CUBLAS != 0));
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
#undef KVSIM_REGISTER
  exports.Set("modules", modules);
  return exports;
}

}  // namespace

NODE_API_MODULE(kvsim_native, Init)
