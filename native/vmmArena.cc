// N-API face of VmmArenaCore: converts JS options into a VmmArenaConfig, forwards calls, and turns
// failures into JS errors (src/gpu/VmmArena.ts validated every argument before it got here).
#include "modules.h"
#include "vmmArenaCore.h"

namespace {

class VmmArenaWrap : public Napi::ObjectWrap<VmmArenaWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "VmmArena",
                       {
                           InstanceMethod("map", &VmmArenaWrap::Map),
                           InstanceMethod("unmap", &VmmArenaWrap::Unmap),
                           InstanceMethod("enqueueMap", &VmmArenaWrap::EnqueueMap),
                           InstanceMethod("enqueueUnmap", &VmmArenaWrap::EnqueueUnmap),
                           InstanceMethod("flush", &VmmArenaWrap::Flush),
                           InstanceMethod("queryDevice", &VmmArenaWrap::QueryDevice),
                           InstanceMethod("verifyAccess", &VmmArenaWrap::VerifyAccess),
                           InstanceMethod("bufferAddress", &VmmArenaWrap::BufferAddress),
                           InstanceMethod("counters", &VmmArenaWrap::Counters),
                           InstanceMethod("stats", &VmmArenaWrap::Stats),
                           InstanceMethod("destroy", &VmmArenaWrap::Destroy),
                       });
  }

  explicit VmmArenaWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<VmmArenaWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) {
      throw Napi::TypeError::New(env, "kvsim native: VmmArena takes an options object");
    }
    Napi::Object o = info[0].As<Napi::Object>();
    VmmArenaConfig c;
    c.device = static_cast<int>(PropU64(o, "device"));
    c.buffers = static_cast<int>(PropU64(o, "buffers"));
    c.slots = static_cast<int>(PropU64(o, "slots"));
    c.slotBytes = PropU64(o, "slotBytes");
    c.pageBytes = PropU64(o, "pageBytes");
    c.poolPages = static_cast<int>(PropU64(o, "poolPages"));
    c.onDemand = PropBool(o, "onDemand", false);
    c.batchedAccess = PropBool(o, "batchedAccess", true);
    c.background = PropBool(o, "background", true);
    GuardNative(env, [&] { core_.reset(new VmmArenaCore(c)); });
  }

 private:
  VmmArenaCore& Core(Napi::Env env) {
    if (!core_) throw Napi::Error::New(env, "kvsim native: VmmArena is not constructed");
    return *core_;
  }

  Napi::Value Map(const Napi::CallbackInfo& info) {
    int s = ArgInt(info, 0, "slot"), f = ArgInt(info, 1, "firstPage"), n = ArgInt(info, 2, "count");
    GuardNative(info.Env(), [&] { Core(info.Env()).Map(s, f, n); });
    return info.Env().Undefined();
  }
  Napi::Value Unmap(const Napi::CallbackInfo& info) {
    int s = ArgInt(info, 0, "slot"), f = ArgInt(info, 1, "firstPage"), n = ArgInt(info, 2, "count");
    GuardNative(info.Env(), [&] { Core(info.Env()).Unmap(s, f, n); });
    return info.Env().Undefined();
  }
  Napi::Value EnqueueMap(const Napi::CallbackInfo& info) {
    int s = ArgInt(info, 0, "slot"), f = ArgInt(info, 1, "firstPage"), n = ArgInt(info, 2, "count");
    GuardNative(info.Env(), [&] { Core(info.Env()).EnqueueMap(s, f, n); });
    return info.Env().Undefined();
  }
  Napi::Value EnqueueUnmap(const Napi::CallbackInfo& info) {
    int s = ArgInt(info, 0, "slot"), f = ArgInt(info, 1, "firstPage"), n = ArgInt(info, 2, "count");
    GuardNative(info.Env(), [&] { Core(info.Env()).EnqueueUnmap(s, f, n); });
    return info.Env().Undefined();
  }
  Napi::Value Flush(const Napi::CallbackInfo& info) {
    GuardNative(info.Env(), [&] { Core(info.Env()).Flush(); });
    return info.Env().Undefined();
  }
  Napi::Value QueryDevice(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return GuardNative(env, [&]() -> Napi::Value {
      VmmDeviceView v = Core(env).QueryDevice();
      Napi::Object o = Napi::Object::New(env);
      o.Set("queriedPages", static_cast<double>(v.queriedPages));
      o.Set("mappedPages", static_cast<double>(v.mappedPages));
      o.Set("readWritePages", static_cast<double>(v.readWritePages));
      o.Set("handleMismatches", static_cast<double>(v.handleMismatches));
      o.Set("bookkeepingMismatches", static_cast<double>(v.bookkeepingMismatches));
      Napi::Int32Array per = Napi::Int32Array::New(env, v.pagesPerSlot.size());
      for (size_t i = 0; i < v.pagesPerSlot.size(); ++i) per[i] = v.pagesPerSlot[i];
      o.Set("pagesPerSlot", per);
      o.Set("queryS", v.queryS);
      return o;
    });
  }
  Napi::Value VerifyAccess(const Napi::CallbackInfo& info) {
    int s = ArgInt(info, 0, "slot"), f = ArgInt(info, 1, "firstPage"), n = ArgInt(info, 2, "count");
    int byte = ArgInt(info, 3, "byte");
    return GuardNative(info.Env(), [&]() -> Napi::Value {
      return Napi::Number::New(info.Env(), static_cast<double>(Core(info.Env()).VerifyAccess(s, f, n, static_cast<uint8_t>(byte))));
    });
  }
  Napi::Value BufferAddress(const Napi::CallbackInfo& info) {
    int b = ArgInt(info, 0, "buffer");
    return GuardNative(info.Env(), [&]() -> Napi::Value {
      return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(Core(info.Env()).bufferBase(b)));
    });
  }
  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return GuardNative(env, [&]() -> Napi::Value {
      VmmArenaCore& c = Core(env);
      Napi::Object o = Napi::Object::New(env);
      o.Set("pagesPerSlot", c.pagesPerSlot());
      o.Set("mappedPages", static_cast<double>(c.mappedPages()));
      o.Set("createdPages", static_cast<double>(c.createdPages()));
      o.Set("freePoolPages", c.freePoolPages());
      return o;
    });
  }
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return GuardNative(env, [&]() -> Napi::Value {
      VmmCallStats s = Core(env).stats();
      Napi::Object o = Napi::Object::New(env);
      o.Set("creates", static_cast<double>(s.creates));
      o.Set("maps", static_cast<double>(s.maps));
      o.Set("setAccessCalls", static_cast<double>(s.setAccessCalls));
      o.Set("unmaps", static_cast<double>(s.unmaps));
      o.Set("releases", static_cast<double>(s.releases));
      o.Set("createS", s.createS);
      o.Set("mapS", s.mapS);
      o.Set("setAccessS", s.setAccessS);
      o.Set("unmapS", s.unmapS);
      o.Set("releaseS", s.releaseS);
      return o;
    });
  }
  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    GuardNative(info.Env(), [&] {
      if (core_) core_->Destroy();
    });
    return info.Env().Undefined();
  }

  std::unique_ptr<VmmArenaCore> core_;
};

}  // namespace

void RegisterVmmArena(Napi::Env env, Napi::Object exports) {
  exports.Set("VmmArena", VmmArenaWrap::Define(env));
}
