// The native modules the addon registers. Each module is one .cc file (one concept) that defines
// `void Register<Name>(Napi::Env env, Napi::Object exports)` and adds its exports to `exports`.
//
// Adding a module (two lines, no other file to touch; CMake globs native/*.cc and kernels/**/*.cu):
//   1. here:      KVSIM_OPTIONAL_MODULE(Name);
//   2. addon.cc:  KVSIM_REGISTER(Name);
// Optional modules are declared weak: until native/<name>.cc defines Register<Name> the symbol is null
// and KVSIM_REGISTER skips it, so the addon builds, links and loads whichever files exist.
#pragma once
#include <napi.h>

#define KVSIM_OPTIONAL_MODULE(Name) __attribute__((weak)) void Register##Name(Napi::Env env, Napi::Object exports)

// The memory backend (always built).
void RegisterDeviceInfo(Napi::Env env, Napi::Object exports);
void RegisterVmmArena(Napi::Env env, Napi::Object exports);
void RegisterBlockPool(Napi::Env env, Napi::Object exports);
void RegisterVmmBench(Napi::Env env, Napi::Object exports);

// Optional modules.
KVSIM_OPTIONAL_MODULE(GpuModel);
KVSIM_OPTIONAL_MODULE(Attention);  // native/attentionBinding.cc
KVSIM_OPTIONAL_MODULE(Xlstm);      // native/xlstmBinding.cc
KVSIM_OPTIONAL_MODULE(AllReduce);  // native/allReduceBench.cc (NCCL through dlopen, ncclApi.cc)
