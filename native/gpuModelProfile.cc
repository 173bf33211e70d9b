// The calibration grid's single operations, each timed with CUDA events: warm-up, then the median of
// `reps` runs. Attention and recurrent operations run on scratch caches and states of their own (filled
// with random values, never zeros), sized for the point being measured.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "cudaError.h"
#include "gpuModelCore.h"

namespace {

// Scratch device memory released at scope exit, also when a measurement throws.
struct Scratch {
  std::vector<void*> ptrs;
  void* Get(size_t bytes, const char* what) {
    void* p = nullptr;
    CheckRuntime(cudaMalloc(&p, std::max<size_t>(bytes, 16)), "cudaMalloc", "size=" + std::to_string(bytes) + " (" + what + ")");
    ptrs.push_back(p);
    return p;
  }
  ~Scratch() {
    for (void* p : ptrs) cudaFree(p);
  }
};

// Slots 0..n-1 on the device (the profiled requests' state slots), freed with `sc`.
int32_t* UploadSlots(Scratch& sc, int n) {
  std::vector<int32_t> slots(n);
  std::iota(slots.begin(), slots.end(), 0);
  int32_t* ds = static_cast<int32_t*>(sc.Get(static_cast<size_t>(n) * 4, "profile slots"));
  CheckRuntime(cudaMemcpy(ds, slots.data(), static_cast<size_t>(n) * 4, cudaMemcpyHostToDevice), "cudaMemcpy", "slots");
  return ds;
}

// primeNs > 0 ("primed" timing): a busy-wait kernel of that length runs before each timed run, so the
// host has queued the start event and the whole body before the GPU reaches them; the span then holds
// the body's GPU time as in a replay's stream, where the next kernel is always queued. With 0
// ("isolated", the profiles before 2026-12-07) the span also holds the first launch's latency: the H100
// validations over-predicted batch-1 decode by 0.1-0.4 ms, ~2-4 us per priced operation.
template <typename F>
double Median(cudaStream_t s, int reps, int64_t primeNs, F&& body) {
  for (int i = 0; i < 3; i++) body();  // warm-up: module load, cuBLAS heuristics, caches
  cudaEvent_t a, b;
  CheckRuntime(cudaEventCreate(&a), "cudaEventCreate", "");
  CheckRuntime(cudaEventCreate(&b), "cudaEventCreate", "");
  std::vector<double> t;
  for (int i = 0; i < reps; i++) {
    if (primeNs > 0) CheckRuntime(static_cast<cudaError_t>(kvsim_busy_wait_ns(primeNs, s)), "kvsim_busy_wait_ns", "primed timing");
    cudaEventRecord(a, s);
    body();
    cudaEventRecord(b, s);
    CheckRuntime(cudaEventSynchronize(b), "cudaEventSynchronize", "profiling");
    float ms = 0;
    cudaEventElapsedTime(&ms, a, b);
    t.push_back(ms * 1e-3);
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void Fill(void* p, int64_t elems, uint64_t seed, cudaStream_t s) {
  const int r = kvsim_fill_random_bf16(p, elems, seed, 1.0f, s);
  if (r != 0) ThrowState("kvsim_fill_random_bf16", std::to_string(elems), "fill failed (" + std::to_string(r) + ")");
}

void Ok(int code, const char* call) {
  if (code == 0) return;
  if (code > 0) CheckRuntime(static_cast<cudaError_t>(code), call, "");
  ThrowState(call, "", "invalid arguments (" + std::to_string(code) + ")");
}

// A cache for `batch` requests of `context` tokens: contiguous slots or paged blocks, the block table
// randomly permuted (blockOrder 0) or ascending (blockOrder 1: request r holds blocks r*perSeq.. in order).
struct ProfileCache {
  kvsim_kv_cache_t kv{};
  void* slots = nullptr;
};

ProfileCache MakeCache(Scratch& sc, const GpuLayerShape& a, int batch, int context, int paged, int blockSize, int blockOrder, cudaStream_t s) {
  if (blockOrder != 0 && blockOrder != 1) ThrowState("GpuModel.time", "blockOrder=" + std::to_string(blockOrder), "expected 0 (shuffled) or 1 (ascending)");
  ProfileCache c;
  const int64_t tokenBytes = (int64_t)a.kvHeads * a.headDim * 2;
  if (!paged) {
    const int64_t stride = ((int64_t)context * tokenBytes + 255) / 256 * 256;
    c.kv.layout = KVSIM_KV_CONTIGUOUS;
    c.kv.slotStrideBytes = stride;
    c.kv.k = sc.Get(stride * batch, "profile K");
    c.kv.v = sc.Get(stride * batch, "profile V");
    Fill(const_cast<void*>(c.kv.k), stride * batch / 2, 11, s);
    Fill(const_cast<void*>(c.kv.v), stride * batch / 2, 12, s);
    c.kv.slotOfRequest = nullptr;
  } else {
    const int perSeq = (context + blockSize - 1) / blockSize;
    const int64_t blocks = (int64_t)perSeq * batch;
    const int64_t blockBytes = tokenBytes * blockSize;
    c.kv.layout = KVSIM_KV_PAGED;
    c.kv.k = sc.Get(blocks * blockBytes, "profile K blocks");
    c.kv.v = sc.Get(blocks * blockBytes, "profile V blocks");
    Fill(const_cast<void*>(c.kv.k), blocks * blockBytes / 2, 13, s);
    Fill(const_cast<void*>(c.kv.v), blocks * blockBytes / 2, 14, s);
    // Shuffled: a long-running pool hands out blocks in no particular order. Ascending: a fresh pool
    // (vLLM's free block queue hands blocks out in order), the layout replays mostly see.
    std::vector<int32_t> table(blocks);
    std::iota(table.begin(), table.end(), 0);
    if (blockOrder == 0) {
      std::mt19937 rng(7);
      std::shuffle(table.begin(), table.end(), rng);
    }
    void* dt = sc.Get(table.size() * 4, "profile block table");
    CheckRuntime(cudaMemcpy(dt, table.data(), table.size() * 4, cudaMemcpyHostToDevice), "cudaMemcpy", "block table");
    c.kv.blockTable = static_cast<const int32_t*>(dt);
    c.kv.maxBlocksPerSeq = perSeq;
    c.kv.blockSizeTokens = blockSize;
  }
  return c;
}

}  // namespace

double GpuModelCore::TimeLayerGemm(int kind, int tokens, int reps) {
  if (tokens > c_.maxTokens) ThrowState("timeLayerGemm", std::to_string(tokens), "more tokens than maxTokens");
  ShapeOf(kind);
  return Median(stream_, reps, timingPrimeNs_, [&] { LayerGemms(kind, tokens); });
}

double GpuModelCore::TimeLmHead(int rows, int reps) {
  if (rows > c_.maxBatch || rows > c_.maxTokens) ThrowState("timeLmHead", std::to_string(rows), "more rows than maxBatch");
  return Median(stream_, reps, timingPrimeNs_, [&] { Gemm(x_, wLm_, logits_, rows, c_.hidden, c_.vocab); });
}

double GpuModelCore::TimeDecode(int batch, int context, int paged, int blockSize, int blockOrder, int reps) {
  const GpuLayerShape& a = ShapeOf(0);
  Scratch sc;
  ProfileCache c = MakeCache(sc, a, batch, context, paged, blockSize, blockOrder, stream_);
  kvsim_attn_shape_t shape{KVSIM_DTYPE_BF16, a.heads, a.kvHeads, a.headDim, 1.0f / std::sqrt((float)a.headDim)};
  void* q = sc.Get((size_t)batch * a.heads * a.headDim * 2, "profile q");
  void* out = sc.Get((size_t)batch * a.heads * a.headDim * 2, "profile out");
  Fill(q, (int64_t)batch * a.heads * a.headDim, 15, stream_);
  std::vector<int32_t> lens(batch, context);
  int32_t* dl = static_cast<int32_t*>(sc.Get(batch * 4, "profile lens"));
  CheckRuntime(cudaMemcpy(dl, lens.data(), batch * 4, cudaMemcpyHostToDevice), "cudaMemcpy", "lens");
  const size_t ws = kvsim_attn_decode_workspace_bytes(&shape, batch, context, 0);
  void* w = ws ? sc.Get(ws, "profile workspace") : nullptr;
  CheckRuntime(cudaStreamSynchronize(stream_), "cudaStreamSynchronize", "");
  return Median(stream_, reps, timingPrimeNs_, [&] { Ok(kvsim_attn_decode(&shape, &c.kv, q, out, dl, batch, context, 0, w, ws, stream_), "kvsim_attn_decode"); });
}

double GpuModelCore::TimePrefill(int chunk, int context, int paged, int blockSize, int blockOrder, int reps) {
  const GpuLayerShape& a = ShapeOf(0);
  Scratch sc;
  const int total = context + chunk;
  ProfileCache c = MakeCache(sc, a, 1, total, paged, blockSize, blockOrder, stream_);
  kvsim_attn_shape_t shape{KVSIM_DTYPE_BF16, a.heads, a.kvHeads, a.headDim, 1.0f / std::sqrt((float)a.headDim)};
  void* q = sc.Get((size_t)chunk * a.heads * a.headDim * 2, "profile q");
  void* out = sc.Get((size_t)chunk * a.heads * a.headDim * 2, "profile out");
  Fill(q, (int64_t)chunk * a.heads * a.headDim, 16, stream_);
  int32_t hostMeta[3] = {0, chunk, total};
  int32_t* dm = static_cast<int32_t*>(sc.Get(sizeof(hostMeta), "profile meta"));
  CheckRuntime(cudaMemcpy(dm, hostMeta, sizeof(hostMeta), cudaMemcpyHostToDevice), "cudaMemcpy", "meta");
  CheckRuntime(cudaStreamSynchronize(stream_), "cudaStreamSynchronize", "");
  return Median(stream_, reps, timingPrimeNs_, [&] { Ok(kvsim_attn_prefill(&shape, &c.kv, q, out, dm, dm + 2, 1, chunk, 1, stream_), "kvsim_attn_prefill"); });
}

double GpuModelCore::TimeMlstmStep(int batch, int reps) {
  const GpuLayerShape& m = ShapeOf(1);
  if (states_.empty() || batch > c_.stateSlots || batch > c_.maxTokens) ThrowState("timeMlstmStep", std::to_string(batch), "batch exceeds state slots");
  Scratch sc;
  int32_t* ds = UploadSlots(sc, batch);
  Fill(proj_, (int64_t)batch * mlstm_.inWidth, 17, stream_);
  Ok(kvsim_split_mlstm(proj_, batch, m.heads, m.dqk, m.dv, q_, k_, v_, ig_, fg_, stream_), "kvsim_split_mlstm");
  Ok(xlstm_mlstm_reset_slots(&states_[0], m.heads, m.dqk, m.dv, ds, batch, stream_), "xlstm_mlstm_reset_slots");
  xlstm_mlstm_step_args a{};
  a.batch = batch; a.heads = m.heads; a.dqk = m.dqk; a.dv = m.dv; a.inputDtype = XLSTM_BF16;
  a.q = q_; a.k = k_; a.v = v_; a.igatePre = ig_; a.fgatePre = fg_; a.slots = ds; a.gateSoftCap = 15.0f;
  a.h = mix_; a.state = states_[0];
  return Median(stream_, reps, timingPrimeNs_, [&] { Ok(xlstm_mlstm_step(&a, stream_), "xlstm_mlstm_step"); });
}

double GpuModelCore::TimeMlstmPrefill(int tokens, int reps) {
  const GpuLayerShape& m = ShapeOf(1);
  if (states_.empty() || tokens > c_.maxTokens) ThrowState("timeMlstmPrefill", std::to_string(tokens), "tokens exceed maxTokens");
  Scratch sc;
  int32_t* ds = UploadSlots(sc, 1);
  Fill(proj_, (int64_t)tokens * mlstm_.inWidth, 18, stream_);
  Ok(kvsim_split_mlstm(proj_, tokens, m.heads, m.dqk, m.dv, q_, k_, v_, ig_, fg_, stream_), "kvsim_split_mlstm");
  xlstm_mlstm_prefill_args a{};
  a.batch = 1; a.seqLen = tokens; a.heads = m.heads; a.dqk = m.dqk; a.dv = m.dv; a.inputDtype = XLSTM_BF16;
  a.q = q_; a.k = k_; a.v = v_; a.igatePre = ig_; a.fgatePre = fg_; a.slots = ds; a.gateSoftCap = 15.0f;
  a.h = mix_; a.state = states_[0];
  a.workspace = mlPrefillWs_; a.workspaceBytes = static_cast<int64_t>(mlPrefillWsBytes_);  // as Run passes it
  return Median(stream_, reps, timingPrimeNs_, [&] {
    Ok(xlstm_mlstm_reset_slots(&states_[0], m.heads, m.dqk, m.dv, ds, 1, stream_), "xlstm_mlstm_reset_slots");
    Ok(xlstm_mlstm_prefill(&a, stream_), "xlstm_mlstm_prefill");
  });
}

double GpuModelCore::TimeSlstmStep(int batch, int reps) {
  const GpuLayerShape& l = ShapeOf(2);
  if (slStates_.empty() || batch > c_.stateSlots || batch > c_.maxTokens) ThrowState("timeSlstmStep", std::to_string(batch), "batch exceeds state slots");
  Scratch sc;
  int32_t* ds = UploadSlots(sc, batch);
  Fill(proj_, (int64_t)batch * slstm_.inWidth, 19, stream_);
  CheckXlstm(xlstm_slstm_reset_slots(&slStates_[0], l.heads, l.headDim, ds, batch, stream_), "xlstm_slstm_reset_slots", "");
  xlstm_slstm_step_args a{};
  a.batch = batch; a.heads = l.heads; a.headDim = l.headDim; a.inputDtype = XLSTM_BF16;
  a.xPre = proj_; a.R = slstm_.wR; a.bias = nullptr; a.slots = ds; a.y = mix_; a.workspace = slWorkspace_; a.state = slStates_[0];
  return Median(stream_, reps, timingPrimeNs_, [&] { CheckXlstm(xlstm_slstm_step(&a, stream_), "xlstm_slstm_step", ""); });
}

// What Run does for one prompt of `tokens` in an sLSTM layer: a fresh slot, then one step per token.
double GpuModelCore::TimeSlstmPrefill(int tokens, int reps) {
  const GpuLayerShape& l = ShapeOf(2);
  if (slStates_.empty() || tokens > c_.maxTokens) ThrowState("timeSlstmPrefill", std::to_string(tokens), "tokens exceed maxTokens");
  Scratch sc;
  int32_t* ds = UploadSlots(sc, 1);
  Fill(proj_, (int64_t)tokens * slstm_.inWidth, 20, stream_);
  return Median(stream_, reps, timingPrimeNs_, [&] {
    CheckXlstm(xlstm_slstm_reset_slots(&slStates_[0], l.heads, l.headDim, ds, 1, stream_), "xlstm_slstm_reset_slots", "");
    SlstmSteps(l, slStates_[0], proj_, mix_, ds, tokens);
  });
}
