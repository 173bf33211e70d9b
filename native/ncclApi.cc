#include "ncclApi.h"

#include <dlfcn.h>

#include <mutex>

namespace {

NcclApi g_api;
bool g_ok = false;
bool g_tried = false;
std::string g_reason;
std::mutex g_mutex;

void Load(const std::vector<std::string>& candidates) {
  std::vector<std::string> names = candidates;
  names.push_back("libnccl.so.2");
  names.push_back("libnccl.so");
  void* lib = nullptr;
  std::string tried;
  for (const std::string& n : names) {
    lib = dlopen(n.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib) {
      g_api.library = n;
      break;
    }
    tried += (tried.empty() ? "" : ", ") + n;
  }
  if (!lib) {
    g_reason = "NCCL not found (tried " + tried + "); set KVSIM_NCCL_LIBRARY to a libnccl.so.2 (PyTorch's wheels carry one under site-packages/nvidia/nccl/lib)";
    return;
  }
  auto sym = [&](const char* name) -> void* {
    void* p = dlsym(lib, name);
    if (!p && g_reason.empty()) g_reason = "NCCL " + g_api.library + " lacks " + name;
    return p;
  };
  g_api.getVersion = reinterpret_cast<decltype(g_api.getVersion)>(sym("ncclGetVersion"));
  g_api.commInitAll = reinterpret_cast<decltype(g_api.commInitAll)>(sym("ncclCommInitAll"));
  g_api.commDestroy = reinterpret_cast<decltype(g_api.commDestroy)>(sym("ncclCommDestroy"));
  g_api.allReduce = reinterpret_cast<decltype(g_api.allReduce)>(sym("ncclAllReduce"));
  g_api.groupStart = reinterpret_cast<decltype(g_api.groupStart)>(sym("ncclGroupStart"));
  g_api.groupEnd = reinterpret_cast<decltype(g_api.groupEnd)>(sym("ncclGroupEnd"));
  g_api.getErrorString = reinterpret_cast<decltype(g_api.getErrorString)>(sym("ncclGetErrorString"));
  g_ok = g_reason.empty();
}

}  // namespace

const NcclApi* Nccl(const std::vector<std::string>& candidates) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_tried) {
    g_tried = true;
    Load(candidates);
  }
  return g_ok ? &g_api : nullptr;
}

std::string NcclUnavailableReason() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_tried ? g_reason : "NCCL not opened yet";
}
