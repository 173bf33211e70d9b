#include "cublasApi.h"

#include <dlfcn.h>

#include <mutex>

namespace {

CublasApi g_api;
bool g_ok = false;
std::string g_reason;
std::once_flag g_once;

void Load() {
  const char* names[] = {"libcublas.so.13", "libcublas.so.12", "libcublas.so"};
  void* lib = nullptr;
  std::string tried;
  for (const char* n : names) {
    lib = dlopen(n, RTLD_NOW | RTLD_LOCAL);
    if (lib) {
      g_api.library = n;
      break;
    }
    tried += std::string(tried.empty() ? "" : ", ") + n;
  }
  if (!lib) {
    g_reason = "cuBLAS not found (tried " + tried + "); install the CUDA toolkit's libcublas to run GEMMs";
    return;
  }
  auto sym = [&](const char* name) -> void* {
    void* p = dlsym(lib, name);
    if (!p && g_reason.empty()) g_reason = std::string("cuBLAS ") + g_api.library + " lacks " + name;
    return p;
  };
  g_api.create = reinterpret_cast<decltype(g_api.create)>(sym("cublasCreate_v2"));
  g_api.destroy = reinterpret_cast<decltype(g_api.destroy)>(sym("cublasDestroy_v2"));
  g_api.setStream = reinterpret_cast<decltype(g_api.setStream)>(sym("cublasSetStream_v2"));
  g_api.setWorkspace = reinterpret_cast<decltype(g_api.setWorkspace)>(sym("cublasSetWorkspace_v2"));
  g_api.gemmEx = reinterpret_cast<decltype(g_api.gemmEx)>(sym("cublasGemmEx"));
  g_ok = g_reason.empty();
}

}  // namespace

const CublasApi* Cublas() {
  std::call_once(g_once, Load);
  return g_ok ? &g_api : nullptr;
}

std::string CublasUnavailableReason() {
  std::call_once(g_once, Load);
  return g_reason;
}
