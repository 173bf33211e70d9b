// The vLLM mechanism: one device allocation holding N blocks for every layer's K and V, laid out
// [layer][k|v][block][blockBytes], so block id i names the same slot in all 2L caches; plus a device
// block table [maxSeqs][maxBlocksPerSeq] (int32) that the caller uploads each iteration.
#include <cuda_runtime_api.h>

#include <cstring>
#include <vector>

#include "cudaError.h"
#include "modules.h"

namespace {

struct BlockPoolConfig {
  int device = 0;
  int layers = 0;
  uint64_t blocks = 0;
  uint64_t blockBytes = 0;  // one block of one layer's K (or V)
  int maxSeqs = 0;
  int maxBlocksPerSeq = 0;
};

class BlockPoolWrap : public Napi::ObjectWrap<BlockPoolWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "BlockPool",
                       {
                           InstanceMethod("uploadBlockTable", &BlockPoolWrap::Upload),
                           InstanceMethod("downloadBlockTable", &BlockPoolWrap::Download),
                           InstanceMethod("blockAddress", &BlockPoolWrap::BlockAddress),
                           InstanceMethod("tableAddress", &BlockPoolWrap::TableAddress),
                           InstanceMethod("verifyBlocks", &BlockPoolWrap::VerifyBlocks),
                           InstanceMethod("destroy", &BlockPoolWrap::Destroy),
                       });
  }

  explicit BlockPoolWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BlockPoolWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) {
      throw Napi::TypeError::New(env, "kvsim native: BlockPool takes an options object");
    }
    Napi::Object o = info[0].As<Napi::Object>();
    c_.device = static_cast<int>(PropU64(o, "device"));
    c_.layers = static_cast<int>(PropU64(o, "layers"));
    c_.blocks = PropU64(o, "blocks");
    c_.blockBytes = PropU64(o, "blockBytes");
    c_.maxSeqs = static_cast<int>(PropU64(o, "maxSeqs"));
    c_.maxBlocksPerSeq = static_cast<int>(PropU64(o, "maxBlocksPerSeq"));
    GuardNative(env, [&] {
      CheckRuntime(cudaSetDevice(c_.device), "cudaSetDevice", "device=" + std::to_string(c_.device));
      const uint64_t bytes = PoolBytes();
      CheckRuntime(cudaMalloc(&pool_, bytes), "cudaMalloc", "size=" + std::to_string(bytes) + " (block pool)");
      const uint64_t tbytes = TableBytes();
      cudaError_t e = cudaMalloc(&table_, tbytes);
      if (e != cudaSuccess) {
        cudaFree(pool_);
        pool_ = nullptr;
        CheckRuntime(e, "cudaMalloc", "size=" + std::to_string(tbytes) + " (block table)");
      }
      // -1 marks "no block": a kernel reading an unset entry fails loudly instead of aliasing block 0.
      CheckRuntime(cudaMemset(table_, 0xff, tbytes), "cudaMemset", "block table init");
    });
  }

  ~BlockPoolWrap() override { Release(); }

 private:
  uint64_t PoolBytes() const { return 2ull * c_.layers * c_.blocks * c_.blockBytes; }
  uint64_t TableBytes() const { return static_cast<uint64_t>(c_.maxSeqs) * c_.maxBlocksPerSeq * sizeof(int32_t); }
  void Live(const char* call) const {
    if (pool_ == nullptr) ThrowState(call, "", "the block pool was destroyed");
  }
  uint64_t Addr(int layer, int kv, uint64_t block) const {
    return reinterpret_cast<uint64_t>(pool_) + ((static_cast<uint64_t>(layer) * 2 + kv) * c_.blocks + block) * c_.blockBytes;
  }
  void Release() {
    if (table_) cudaFree(table_);
    if (pool_) cudaFree(pool_);
    table_ = nullptr;
    pool_ = nullptr;
  }

  Napi::Value Upload(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsTypedArray()) throw Napi::TypeError::New(env, "kvsim native: uploadBlockTable(Int32Array, rows)");
    Napi::Int32Array t = info[0].As<Napi::Int32Array>();
    int rows = ArgInt(info, 1, "rows");
    GuardNative(env, [&] {
      Live("uploadBlockTable");
      const uint64_t n = static_cast<uint64_t>(rows) * c_.maxBlocksPerSeq;
      if (rows < 0 || rows > c_.maxSeqs || t.ElementLength() < n) ThrowState("uploadBlockTable", "rows=" + std::to_string(rows), "table too small or too many rows");
      CheckRuntime(cudaMemcpy(table_, t.Data(), n * sizeof(int32_t), cudaMemcpyHostToDevice), "cudaMemcpy",
                   "dst=block table bytes=" + std::to_string(n * sizeof(int32_t)));
    });
    return env.Undefined();
  }
  Napi::Value Download(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int rows = ArgInt(info, 0, "rows");
    return GuardNative(env, [&]() -> Napi::Value {
      Live("downloadBlockTable");
      if (rows < 0 || rows > c_.maxSeqs) ThrowState("downloadBlockTable", "rows=" + std::to_string(rows), "too many rows");
      const size_t n = static_cast<size_t>(rows) * c_.maxBlocksPerSeq;
      Napi::Int32Array out = Napi::Int32Array::New(env, n);
      if (n > 0) {
        CheckRuntime(cudaMemcpy(out.Data(), table_, n * sizeof(int32_t), cudaMemcpyDeviceToHost), "cudaMemcpy",
                     "src=block table bytes=" + std::to_string(n * sizeof(int32_t)));
      }
      return out;
    });
  }
  Napi::Value BlockAddress(const Napi::CallbackInfo& info) {
    int layer = ArgInt(info, 0, "layer"), kv = ArgInt(info, 1, "kv");
    int64_t block = ArgInt(info, 2, "block");
    return GuardNative(info.Env(), [&]() -> Napi::Value {
      Live("blockAddress");
      return Napi::BigInt::New(info.Env(), Addr(layer, kv, static_cast<uint64_t>(block)));
    });
  }
  Napi::Value TableAddress(const Napi::CallbackInfo& info) {
    return GuardNative(info.Env(), [&]() -> Napi::Value {
      Live("tableAddress");
      return Napi::BigInt::New(info.Env(), reinterpret_cast<uint64_t>(table_));
    });
  }
  // Writes `byte` over the given blocks in every layer's K and V and reads back each block's first
  // and last word: the count of mismatches (0 proves the blocks are where the table says).
  Napi::Value VerifyBlocks(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsTypedArray()) throw Napi::TypeError::New(env, "kvsim native: verifyBlocks(Int32Array, byte)");
    Napi::Int32Array ids = info[0].As<Napi::Int32Array>();
    int byte = ArgInt(info, 1, "byte");
    return GuardNative(env, [&]() -> Napi::Value {
      Live("verifyBlocks");
      for (size_t i = 0; i < ids.ElementLength(); ++i) {
        if (ids[i] < 0 || static_cast<uint64_t>(ids[i]) >= c_.blocks) ThrowState("verifyBlocks", "block=" + std::to_string(ids[i]), "out of range");
        for (int l = 0; l < c_.layers; ++l)
          for (int kv = 0; kv < 2; ++kv)
            CheckRuntime(cudaMemset(reinterpret_cast<void*>(Addr(l, kv, ids[i])), byte, c_.blockBytes), "cudaMemset",
                         "block=" + std::to_string(ids[i]));
      }
      CheckRuntime(cudaDeviceSynchronize(), "cudaDeviceSynchronize", "after verifyBlocks memset");
      uint32_t expect;
      std::memset(&expect, byte, sizeof expect);
      uint64_t bad = 0;
      for (size_t i = 0; i < ids.ElementLength(); ++i)
        for (int l = 0; l < c_.layers; ++l)
          for (int kv = 0; kv < 2; ++kv)
            for (uint64_t a : {Addr(l, kv, ids[i]), Addr(l, kv, ids[i]) + c_.blockBytes - 4}) {
              uint32_t got = 0;
              CheckRuntime(cudaMemcpy(&got, reinterpret_cast<void*>(a), 4, cudaMemcpyDeviceToHost), "cudaMemcpy", "src=" + Hex(a));
              if (got != expect) bad++;
            }
      return Napi::Number::New(env, static_cast<double>(bad));
    });
  }
  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    GuardNative(info.Env(), [&] {
      if (table_) CheckRuntime(cudaFree(table_), "cudaFree", "block table");
      table_ = nullptr;
      if (pool_) CheckRuntime(cudaFree(pool_), "cudaFree", "block pool");
      pool_ = nullptr;
    });
    return info.Env().Undefined();
  }

  BlockPoolConfig c_;
  void* pool_ = nullptr;
  void* table_ = nullptr;
};

}  // namespace

void RegisterBlockPool(Napi::Env env, Napi::Object exports) {
  exports.Set("BlockPool", BlockPoolWrap::Define(env));
}
