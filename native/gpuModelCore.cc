#include "gpuModelCore.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include "cudaError.h"

namespace {

std::string Dims(std::initializer_list<int64_t> v) {
  std::string s;
  for (int64_t x : v) s += (s.empty() ? "" : "x") + std::to_string(x);
  return s;
}

}  // namespace

void GpuModelCore::Check(int code, const char* call, const std::string& args) {
  if (code == 0) return;
  if (code > 0) CheckRuntime(static_cast<cudaError_t>(code), call, args);
  ThrowState(call, args, "invalid arguments (kernel returned " + std::to_string(code) + ")");
}

void GpuModelCore::CheckXlstm(int status, const char* call, const std::string& args) {
  if (status == XLSTM_OK) return;
  if (status == XLSTM_ERR_CUDA) CheckRuntime(static_cast<cudaError_t>(xlstm_last_cuda_error()), call, args);
  ThrowState(call, args, xlstm_status_string(status));
}

void* GpuModelCore::Alloc(size_t bytes, const char* what) {
  void* p = nullptr;
  CheckRuntime(cudaMalloc(&p, bytes), "cudaMalloc", "size=" + std::to_string(bytes) + " (" + what + ")");
  allocs_.push_back(p);
  deviceBytes_ += bytes;
  return p;
}

const GpuLayerShape& GpuModelCore::ShapeOf(int kind) const {
  for (const auto& l : c_.layers)
    if (l.kind == kind) return l;
  ThrowState("GpuModel", "kind=" + std::to_string(kind), "the model has no layer of this kind");
}

// A throw part way through Init() never reaches the destructor (the object was not constructed), so
// the constructor frees what Init() had made (buffers, stream, events, cuBLAS handle) before rethrowing.
GpuModelCore::GpuModelCore(const GpuModelConfig& c) : c_(c) {
  try {
    Init();
  } catch (...) {
    Destroy();
    throw;
  }
}

void GpuModelCore::Init() {
  blas_ = Cublas();
  if (!blas_) ThrowState("GpuModel", "", CublasUnavailableReason());
  CheckRuntime(cudaSetDevice(c_.device), "cudaSetDevice", std::to_string(c_.device));
  CheckRuntime(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate", "");
  CheckRuntime(cudaEventCreate(&ev0_), "cudaEventCreate", "");
  CheckRuntime(cudaEventCreate(&ev1_), "cudaEventCreate", "");
  if (blas_->create(&handle_) != 0) ThrowState("cublasCreate", "", "cuBLAS could not create a handle");
  blas_->setStream(handle_, stream_);
  const size_t blasWs = 32u << 20;
  cublasWs_ = Alloc(blasWs, "cuBLAS workspace");
  const int wsStatus = blas_->setWorkspace ? blas_->setWorkspace(handle_, cublasWs_, blasWs) : -1;
  if (c_.cudaGraphs) {
    // cuBLAS under stream capture must not allocate its workspace itself: it is set explicitly
    // (cuBLAS documentation, "CUDA Graphs Support"), and a graph run refuses to start without it.
    if (wsStatus != 0) ThrowState("GpuModel", "cudaGraphs=1", "cublasSetWorkspace failed (status " + std::to_string(wsStatus) + "): cuBLAS calls cannot be captured into a CUDA graph");
    const int cap = std::min(c_.maxBatch, c_.maxTokens);
    if (c_.graphSizes.empty()) ThrowState("GpuModel", "cudaGraphs=1", "no capture sizes given");
    for (size_t i = 0; i < c_.graphSizes.size(); i++) {
      const int g = c_.graphSizes[i];
      if (g < 1 || g > cap || (i > 0 && g <= c_.graphSizes[i - 1]))
        ThrowState("GpuModel", "graphSizes[" + std::to_string(i) + "]=" + std::to_string(g), "capture sizes must ascend within [1, min(maxBatch, maxTokens)]");
    }
    if (c_.kvLayout == 0 && c_.padKvSlot < 0) ThrowState("GpuModel", "cudaGraphs=1", "contiguous KV needs padKvSlot (a slot no request owns) for padding rows");
    if (c_.kvLayout == 1 && c_.padBlock < 0) ThrowState("GpuModel", "cudaGraphs=1", "paged KV needs padBlock (a block no request owns) for padding rows");
  }

  const int d = c_.hidden, F = c_.ffn, T = c_.maxTokens;
  bool hasAttn = false, hasMlstm = false, hasSlstm = false;
  // Graph padding rows step a state slot of their own, past the policy's slots.
  const int poolSlots = c_.stateSlots > 0 && c_.cudaGraphs ? c_.stateSlots + 1 : c_.stateSlots;
  if (poolSlots > c_.stateSlots) padStateSlot_ = c_.stateSlots;
  int maxMix = 0, maxProj = 0, maxQk = 0, maxV = 0, maxH = 0;
  for (const auto& l : c_.layers) {
    if (l.kind == 0) {
      hasAttn = true;
      maxProj = std::max(maxProj, (l.heads + 2 * l.kvHeads) * l.headDim);
      maxMix = std::max(maxMix, l.heads * l.headDim);
    } else if (l.kind == 2) {
      hasSlstm = true;
      maxProj = std::max(maxProj, 4 * l.heads * l.headDim);
      maxMix = std::max(maxMix, l.heads * l.headDim);
    } else {
      hasMlstm = true;
      maxProj = std::max(maxProj, l.heads * (2 * l.dqk + l.dv) + 2 * l.heads);
      maxMix = std::max(maxMix, l.heads * l.dv);
      maxQk = std::max(maxQk, l.heads * l.dqk);
      maxV = std::max(maxV, l.heads * l.dv);
      maxH = std::max(maxH, l.heads);
    }
  }
  auto fill = [&](void* p, int64_t n, float scale) {
    Check(kvsim_fill_random_bf16(p, n, c_.seed + allocs_.size(), scale, stream_), "kvsim_fill_random_bf16", Dims({n}));
  };
  auto weight = [&](int64_t rows, int64_t cols, const char* what) {
    void* p = Alloc(rows * cols * 2, what);
    fill(p, rows * cols, 1.0f / std::sqrt(static_cast<float>(rows)));  // keeps activations O(1)
    return p;
  };
  if (hasAttn) {
    const auto& a = ShapeOf(0);
    attn_.inWidth = (a.heads + 2 * a.kvHeads) * a.headDim;
    attn_.outIn = a.heads * a.headDim;
    attn_.wIn = weight(d, attn_.inWidth, "attention QKV weights");
    attn_.wOut = weight(attn_.outIn, d, "attention O weights");
    kvsim_attn_shape_t shape{KVSIM_DTYPE_BF16, a.heads, a.kvHeads, a.headDim, 1.0f / std::sqrt((float)a.headDim)};
    workspaceBytes_ = kvsim_attn_decode_workspace_bytes(&shape, std::max(c_.maxBatch, 1), std::max(c_.maxContext, 1), 0);
    if (workspaceBytes_ > 0) workspace_ = Alloc(workspaceBytes_, "decode attention workspace");
  }
  if (hasMlstm) {
    const auto& m = ShapeOf(1);
    mlstm_.inWidth = m.heads * (2 * m.dqk + m.dv) + 2 * m.heads;
    mlstm_.outIn = m.heads * m.dv;
    mlstm_.wIn = weight(d, mlstm_.inWidth, "mLSTM projection weights");
    mlstm_.wGate = weight(d, m.heads * m.dv, "mLSTM output-gate weights");
    mlstm_.wOut = weight(mlstm_.outIn, d, "mLSTM output weights");
    ogate_ = Alloc(static_cast<size_t>(T) * m.heads * m.dv * 2, "mLSTM output gate");
    k_ = Alloc(static_cast<size_t>(T) * maxQk * 2, "mLSTM k");
    v_ = Alloc(static_cast<size_t>(T) * maxV * 2, "mLSTM v");
    ig_ = static_cast<float*>(Alloc(static_cast<size_t>(T) * maxH * 4, "mLSTM input gates"));
    fg_ = static_cast<float*>(Alloc(static_cast<size_t>(T) * maxH * 4, "mLSTM forget gates"));
    const xlstm_dtype sd = c_.stateDtype == 1 ? XLSTM_BF16 : XLSTM_F32;
    for (const auto& l : c_.layers) {
      if (l.kind != 1 || c_.stateSlots <= 0) continue;
      const int64_t cBytes = (int64_t)poolSlots * l.heads * l.dqk * l.dv * (sd == XLSTM_F32 ? 4 : 2);
      const int64_t nBytes = (int64_t)poolSlots * l.heads * l.dqk * (sd == XLSTM_F32 ? 4 : 2);
      xlstm_mlstm_state s{};
      s.C = Alloc(cBytes, "mLSTM state C");
      s.n = Alloc(nBytes, "mLSTM state n");
      s.m = static_cast<float*>(Alloc((size_t)poolSlots * l.heads * 4, "mLSTM state m"));
      s.numSlots = poolSlots;
      s.dtype = sd;
      states_.push_back(s);
      // One scratch for every prefill call (one request at a time, in stream order): what auto needs at
      // the longest prefill of an iteration (tfla above its threshold: per-chunk states; 0 for sequential).
      // Allocated here, not per call: tfla would otherwise cudaMallocAsync it per layer and request.
      const int64_t ws = xlstm_mlstm_prefill_workspace_bytes(1, T, l.heads, l.dqk, l.dv, XLSTM_PREFILL_AUTO);
      if (ws < 0) ThrowState("GpuModel", "mLSTM layer " + std::to_string(l.heads) + "x" + std::to_string(l.dqk) + "x" + std::to_string(l.dv), "xlstm_mlstm_prefill refuses this shape at maxTokens=" + std::to_string(T));
      mlPrefillWsBytes_ = std::max(mlPrefillWsBytes_, static_cast<size_t>(ws));
    }
    if (mlPrefillWsBytes_ > 0) mlPrefillWs_ = Alloc(mlPrefillWsBytes_, "mLSTM prefill workspace (tfla)");
  }
  if (hasSlstm) {
    const auto& sl = ShapeOf(2);
    slstm_.inWidth = 4 * sl.heads * sl.headDim;
    slstm_.outIn = sl.heads * sl.headDim;
    slstm_.wIn = weight(d, slstm_.inWidth, "sLSTM input-projection weights");
    slstm_.wR = weight((int64_t)sl.heads * 4 * sl.headDim, sl.headDim, "sLSTM recurrent weights");
    slstm_.wOut = weight(slstm_.outIn, d, "sLSTM output weights");
    // The split-k plan (and so the scratch) depends on the batch; size for the largest of any step.
    const int maxStepBatch = std::max({c_.maxBatch, poolSlots, 1});
    int64_t ws = 0;
    for (int b = 1; b <= maxStepBatch; b++) ws = std::max(ws, xlstm_slstm_workspace_bytes(b, sl.heads, sl.headDim));
    slWorkspaceBytes_ = static_cast<size_t>(ws);
    slWorkspace_ = Alloc(slWorkspaceBytes_, "sLSTM step workspace");
    const xlstm_dtype sd = c_.stateDtype == 1 ? XLSTM_BF16 : XLSTM_F32;
    for (const auto& l : c_.layers) {
      if (l.kind != 2 || c_.stateSlots <= 0) continue;
      const size_t elems = (size_t)poolSlots * l.heads * l.headDim;
      xlstm_slstm_state s{};
      s.h = Alloc(elems * (sd == XLSTM_F32 ? 4 : 2), "sLSTM state h");
      s.c = Alloc(elems * (sd == XLSTM_F32 ? 4 : 2), "sLSTM state c");
      s.n = Alloc(elems * (sd == XLSTM_F32 ? 4 : 2), "sLSTM state n");
      s.m = static_cast<float*>(Alloc(elems * 4, "sLSTM state m"));
      s.numSlots = poolSlots;
      s.dtype = sd;
      slStates_.push_back(s);
    }
  }
  wGateUp_ = weight(d, 2 * F, "MLP gate/up weights");
  wDown_ = weight(F, d, "MLP down weights");
  wLm_ = weight(d, c_.vocab, "LM head weights");
  x_ = Alloc(static_cast<size_t>(T) * d * 2, "hidden states");
  fill(x_, (int64_t)T * d, 1.0f);
  proj_ = Alloc(static_cast<size_t>(T) * maxProj * 2, "projections");
  q_ = Alloc(static_cast<size_t>(T) * std::max(maxMix, maxQk) * 2, "queries");
  mix_ = Alloc(static_cast<size_t>(T) * maxMix * 2, "mixer output");
  y_ = Alloc(static_cast<size_t>(T) * d * 2, "layer output");
  gu_ = Alloc(static_cast<size_t>(T) * 2 * F * 2, "MLP gate/up");
  act_ = Alloc(static_cast<size_t>(T) * F * 2, "MLP activation");
  logits_ = Alloc(static_cast<size_t>(std::max(c_.maxBatch, 1)) * c_.vocab * 2, "logits");
  metaInts_ = 2ull * T + static_cast<size_t>(c_.maxBatch) * (std::max(c_.maxBlocksPerSeq, 0) + 8) + 16;
  meta_ = static_cast<int32_t*>(Alloc(metaInts_ * 4, "iteration metadata"));
  CheckRuntime(cudaMallocHost(reinterpret_cast<void**>(&metaHost_), metaInts_ * 4), "cudaMallocHost", std::to_string(metaInts_ * 4));
  CheckRuntime(cudaStreamSynchronize(stream_), "cudaStreamSynchronize", "weight init");
}

GpuModelCore::~GpuModelCore() {
  try {
    Destroy();
  } catch (...) {
  }
}

void GpuModelCore::Destroy() {
  if (destroyed_) return;
  destroyed_ = true;
  if (stream_) cudaStreamSynchronize(stream_);
  for (auto& g : graphs_) cudaGraphExecDestroy(g.second);
  graphs_.clear();
  for (void* p : allocs_) cudaFree(p);
  allocs_.clear();
  if (metaHost_) cudaFreeHost(metaHost_);
  if (handle_) blas_->destroy(handle_);
  if (ev0_) cudaEventDestroy(ev0_);
  if (ev1_) cudaEventDestroy(ev1_);
  if (stream_) cudaStreamDestroy(stream_);
  metaHost_ = nullptr;
  handle_ = nullptr;
  stream_ = nullptr;
  deviceBytes_ = 0;
}

// Row-major Y[T][N] = X[T][K] W[K][N], as cuBLAS's column-major Y^T = W^T X^T.
void GpuModelCore::Gemm(const void* x, const void* w, void* y, int T, int K, int N) {
  if (T == 0) return;
  const float one = 1.0f, zero = 0.0f;
  const int r = blas_->gemmEx(handle_, kCublasOpN, kCublasOpN, N, T, K, &one, w, kCudaR16BF, N, x, kCudaR16BF, K, &zero,
                              y, kCudaR16BF, N, kCublasCompute32F, kCublasGemmDefault);
  if (r != 0) ThrowState("cublasGemmEx", "T=" + std::to_string(T) + " K=" + std::to_string(K) + " N=" + std::to_string(N),
                         "cuBLAS status " + std::to_string(r));
}

void GpuModelCore::LayerGemms(int kind, int T) {
  const int d = c_.hidden, F = c_.ffn;
  const KindWeights& w = kind == 0 ? attn_ : kind == 1 ? mlstm_ : slstm_;
  Gemm(x_, w.wIn, proj_, T, d, w.inWidth);
  if (kind == 1) Gemm(x_, w.wGate, ogate_, T, d, ShapeOf(1).heads * ShapeOf(1).dv);
  Gemm(mix_, w.wOut, y_, T, w.outIn, d);
  Gemm(y_, wGateUp_, gu_, T, d, 2 * F);
  Check(kvsim_silu_mul_bf16(gu_, act_, T, F, stream_), "kvsim_silu_mul_bf16", Dims({T, F}));
  Gemm(act_, wDown_, x_, T, F, d);
}

GpuModelCore::Staged GpuModelCore::Stage(const GpuIteration& it, int realRows) {
  Staged m;
  const int n = m.n = it.rows;
  // Decode rows first, then prefill rows: each kernel then sees one contiguous group.
  std::vector<int> order;
  order.reserve(n);
  for (int i = 0; i < n; i++)
    if (it.prefill[i] == 0) order.push_back(i);
  const int nd = m.nd = static_cast<int>(order.size());
  for (int i = 0; i < n; i++)
    if (it.prefill[i] > 0) order.push_back(i);
  for (int j = 0; j < n; j++) {
    const int i = order[j];
    const int q = it.prefill[i] + it.decode[i];
    m.T += q;
    if (j >= nd) m.maxQ = std::max(m.maxQ, q);
    else m.maxCtxDecode = std::max(m.maxCtxDecode, it.context[i] + q);
  }
  const int T = m.T;
  if (T > c_.maxTokens) ThrowState("GpuModel.run", "tokens=" + std::to_string(T), "more tokens than maxTokens");
  const int mb = std::max(c_.maxBlocksPerSeq, 0);
  // Metadata layout in one upload: tokenRow[T] tokenPos[T] kvSlot[n] blockTable[n*mb] decodeLens[nd]
  // prefillCu[np+1] prefillLens[np] stateSlot[n] resetSlots[n]. It depends only on (n, nd, T), so a
  // graph captured for a padded decode batch reads every later batch of that size at the same offsets.
  int32_t* h = metaHost_;
  size_t o = 0;
  m.oRow = o;
  o += T;
  m.oPos = o;
  o += T;
  m.oKvSlot = o;
  o += n;
  m.oBt = o;
  o += static_cast<size_t>(n) * mb;
  m.oDec = o;
  o += nd;
  m.oCu = o;
  o += (n - nd) + 1;
  m.oPre = o;
  o += n - nd;
  m.oState = o;
  o += n;
  m.oReset = o;
  o += n;
  if (o > metaInts_) ThrowState("GpuModel.run", "", "iteration metadata exceeds its buffer");
  m.ints = o;
  int t = 0;
  h[m.oCu] = 0;
  for (int j = 0; j < n; j++) {
    const int i = order[j];
    const int q = it.prefill[i] + it.decode[i];
    for (int k = 0; k < q; k++, t++) {
      h[m.oRow + t] = j;
      h[m.oPos + t] = it.context[i] + k;
    }
    h[m.oKvSlot + j] = it.kvSlot.empty() ? 0 : it.kvSlot[i];
    h[m.oState + j] = it.stateSlot.empty() ? 0 : it.stateSlot[i];
    // Padding rows (i >= realRows) start at context 0 but own no request: their slot is never reset.
    if (!it.stateSlot.empty() && it.context[i] == 0 && i < realRows) h[m.oReset + m.resets++] = it.stateSlot[i];
    if (mb > 0 && !it.blockTable.empty())
      std::copy(it.blockTable.begin() + (size_t)i * mb, it.blockTable.begin() + (size_t)(i + 1) * mb, h + m.oBt + (size_t)j * mb);
    if (j < nd) {
      h[m.oDec + j] = it.context[i] + q;
    } else {
      h[m.oCu + (j - nd) + 1] = h[m.oCu + (j - nd)] + q;
      h[m.oPre + (j - nd)] = it.context[i] + q;
    }
  }
  return m;
}

void GpuModelCore::Forward(const Staged& m) {
  const int n = m.n, nd = m.nd, T = m.T, maxQ = m.maxQ, maxCtxDecode = m.maxCtxDecode, resets = m.resets;
  const int mb = std::max(c_.maxBlocksPerSeq, 0);
  const int32_t* h = metaHost_;
  const size_t oRow = m.oRow, oPos = m.oPos, oKvSlot = m.oKvSlot, oBt = m.oBt, oDec = m.oDec, oCu = m.oCu, oPre = m.oPre,
               oState = m.oState, oReset = m.oReset;
  int attnIdx = 0, mlstmIdx = 0, slstmIdx = 0;
  for (const auto& l : c_.layers) {
    if (l.kind == 0) {
      const int qd = l.heads * l.headDim;
      Gemm(x_, attn_.wIn, proj_, T, c_.hidden, attn_.inWidth);
      kvsim_kv_write_t kw{c_.kvLayout, reinterpret_cast<void*>(c_.kBase.at(attnIdx)), reinterpret_cast<void*>(c_.vBase.at(attnIdx)),
                          c_.slotStrideBytes, meta_ + oKvSlot, meta_ + oBt, mb, c_.blockSizeTokens, c_.tokenStrideBytes};
      Check(kvsim_split_qkv_append(proj_, T, l.heads, l.kvHeads, l.headDim, meta_ + oRow, meta_ + oPos, q_, &kw, stream_),
            "kvsim_split_qkv_append", Dims({T, l.heads, l.kvHeads, l.headDim}));
      kvsim_attn_shape_t shape{KVSIM_DTYPE_BF16, l.heads, l.kvHeads, l.headDim, 1.0f / std::sqrt((float)l.headDim)};
      kvsim_kv_cache_t kv{};
      kv.layout = c_.kvLayout == 1 ? KVSIM_KV_PAGED : KVSIM_KV_CONTIGUOUS;
      kv.k = kw.k;
      kv.v = kw.v;
      kv.slotStrideBytes = c_.slotStrideBytes;
      kv.tokenStrideBytes = c_.tokenStrideBytes;
      kv.maxBlocksPerSeq = mb;
      kv.blockSizeTokens = c_.blockSizeTokens;
      if (nd > 0) {
        kv.slotOfRequest = meta_ + oKvSlot;
        kv.blockTable = meta_ + oBt;
        Check(kvsim_attn_decode(&shape, &kv, q_, mix_, meta_ + oDec, nd, maxCtxDecode, 0, workspace_, workspaceBytes_, stream_),
              "kvsim_attn_decode", Dims({nd, maxCtxDecode}));
      }
      if (n > nd) {
        kv.slotOfRequest = meta_ + oKvSlot + nd;
        kv.blockTable = meta_ + oBt + (size_t)nd * mb;
        Check(kvsim_attn_prefill(&shape, &kv, static_cast<char*>(q_) + (size_t)nd * qd * 2, static_cast<char*>(mix_) + (size_t)nd * qd * 2,
                                 meta_ + oCu, meta_ + oPre, n - nd, maxQ, 1, stream_),
              "kvsim_attn_prefill", Dims({n - nd, maxQ}));
      }
      Gemm(mix_, attn_.wOut, y_, T, qd, c_.hidden);
      attnIdx++;
    } else if (l.kind == 2) {
      // Input projection of every token to the four gates (i, f, z, o), laid out as the step's xPre.
      const int hd = l.heads * l.headDim;
      Gemm(x_, slstm_.wIn, proj_, T, c_.hidden, 4 * hd);
      const xlstm_slstm_state& st = slStates_.at(slstmIdx);
      if (resets > 0) CheckXlstm(xlstm_slstm_reset_slots(&st, l.heads, l.headDim, meta_ + oReset, resets, stream_), "xlstm_slstm_reset_slots", "");
      if (nd > 0) {
        xlstm_slstm_step_args a{};
        a.batch = nd; a.heads = l.heads; a.headDim = l.headDim; a.inputDtype = XLSTM_BF16;
        a.xPre = proj_; a.R = slstm_.wR; a.bias = nullptr; a.slots = meta_ + oState;
        a.y = mix_; a.workspace = slWorkspace_; a.state = st;
        CheckXlstm(xlstm_slstm_step(&a, stream_), "xlstm_slstm_step", Dims({nd, l.heads, l.headDim}));
      }
      int tok = nd;
      for (int j = nd; j < n; j++) {
        const int q = h[oCu + (j - nd) + 1] - h[oCu + (j - nd)];
        SlstmSteps(l, st, static_cast<char*>(proj_) + (size_t)tok * 4 * hd * 2, static_cast<char*>(mix_) + (size_t)tok * hd * 2, meta_ + oState + j, q);
        tok += q;
      }
      Gemm(mix_, slstm_.wOut, y_, T, hd, c_.hidden);
      slstmIdx++;
    } else {
      Gemm(x_, mlstm_.wIn, proj_, T, c_.hidden, mlstm_.inWidth);
      Gemm(x_, mlstm_.wGate, ogate_, T, c_.hidden, l.heads * l.dv);
      Check(kvsim_split_mlstm(proj_, T, l.heads, l.dqk, l.dv, q_, k_, v_, ig_, fg_, stream_), "kvsim_split_mlstm", Dims({T}));
      xlstm_mlstm_state& st = states_.at(mlstmIdx);
      if (resets > 0) Check(xlstm_mlstm_reset_slots(&st, l.heads, l.dqk, l.dv, meta_ + oReset, resets, stream_), "xlstm_mlstm_reset_slots", "");
      if (nd > 0) {
        xlstm_mlstm_step_args a{};
        a.batch = nd; a.heads = l.heads; a.dqk = l.dqk; a.dv = l.dv; a.inputDtype = XLSTM_BF16;
        a.q = q_; a.k = k_; a.v = v_; a.igatePre = ig_; a.fgatePre = fg_; a.slots = meta_ + oState; a.gateSoftCap = 15.0f;
        a.h = mix_; a.state = st;
        Check(xlstm_mlstm_step(&a, stream_), "xlstm_mlstm_step", Dims({nd, l.heads, l.dqk, l.dv}));
      }
      int tok = nd;
      for (int j = nd; j < n; j++) {
        const int q = h[oCu + (j - nd) + 1] - h[oCu + (j - nd)];
        xlstm_mlstm_prefill_args a{};
        a.batch = 1; a.seqLen = q; a.heads = l.heads; a.dqk = l.dqk; a.dv = l.dv; a.inputDtype = XLSTM_BF16;
        a.q = static_cast<char*>(q_) + (size_t)tok * l.heads * l.dqk * 2;
        a.k = static_cast<char*>(k_) + (size_t)tok * l.heads * l.dqk * 2;
        a.v = static_cast<char*>(v_) + (size_t)tok * l.heads * l.dv * 2;
        a.igatePre = ig_ + (size_t)tok * l.heads;
        a.fgatePre = fg_ + (size_t)tok * l.heads;
        a.slots = meta_ + oState + j;
        a.gateSoftCap = 15.0f;
        a.h = static_cast<char*>(mix_) + (size_t)tok * l.heads * l.dv * 2;
        a.state = st;
        a.workspace = mlPrefillWs_; a.workspaceBytes = static_cast<int64_t>(mlPrefillWsBytes_);
        Check(xlstm_mlstm_prefill(&a, stream_), "xlstm_mlstm_prefill", Dims({q, l.heads, l.dqk, l.dv}));
        tok += q;
      }
      Gemm(mix_, mlstm_.wOut, y_, T, l.heads * l.dv, c_.hidden);
      mlstmIdx++;
    }
    Gemm(y_, wGateUp_, gu_, T, c_.hidden, 2 * c_.ffn);
    Check(kvsim_silu_mul_bf16(gu_, act_, T, c_.ffn, stream_), "kvsim_silu_mul_bf16", Dims({T, c_.ffn}));
    Gemm(act_, wDown_, x_, T, c_.ffn, c_.hidden);
  }
  Gemm(x_, wLm_, logits_, n, c_.hidden, c_.vocab);  // one sampled row per request
}

// vLLM V1 runs a batch as a full CUDA graph only when every request decodes one token (uniform
// decode; vllm/v1/worker/gpu_model_runner.py execute_model -> CudagraphDispatcher) and pads it to the
// next size of compilation_config.cudagraph_capture_sizes (vllm/config/compilation.py,
// bs_to_padded_graph_size); a batch above the largest size, or with prefill rows, runs eagerly.
int GpuModelCore::GraphSizeFor(const GpuIteration& it) const {
  if (!c_.cudaGraphs) return 0;
  for (int i = 0; i < it.rows; i++)
    if (it.prefill[i] != 0 || it.decode[i] != 1 || it.context[i] <= 0) return 0;
  for (int g : c_.graphSizes)
    if (g >= it.rows) return g;
  return 0;
}

// Padding rows decode one token at position 0 of a KV slot/block no request owns (vLLM writes its
// padding tokens nowhere, PAD_SLOT_ID = -1 in slot_mapping; kvsim_split_qkv_append has no such
// skip, so they write scratch KV instead) and attend over that one token; recurrent layers step them
// in a state slot of their own. Every op is row-local, so padding never reaches a real row.
GpuIteration GpuModelCore::Padded(const GpuIteration& it, int size) const {
  GpuIteration p = it;
  const int n = it.rows;
  const int mb = std::max(c_.maxBlocksPerSeq, 0);
  p.rows = size;
  p.prefill.resize(size, 0);
  p.decode.resize(size, 1);
  p.context.resize(size, 0);
  if (!p.kvSlot.empty() || c_.kvLayout == 0) {
    p.kvSlot.resize(n, 0);
    p.kvSlot.resize(size, c_.kvLayout == 0 ? c_.padKvSlot : 0);
  }
  if (!p.stateSlot.empty() || padStateSlot_ >= 0) {
    p.stateSlot.resize(n, 0);
    p.stateSlot.resize(size, padStateSlot_);
  }
  if (c_.kvLayout == 1 && mb > 0) {
    p.blockTable.resize((size_t)n * mb, c_.padBlock);
    p.blockTable.resize((size_t)size * mb, c_.padBlock);
  }
  return p;
}

cudaGraphExec_t GpuModelCore::GraphFor(int size, int contextBound) {
  const uint64_t key = (static_cast<uint64_t>(size) << 32) | static_cast<uint32_t>(contextBound);
  auto found = graphs_.find(key);
  if (found != graphs_.end()) return found->second;
  const std::string args = "rows=" + std::to_string(size) + " contextBound=" + std::to_string(contextBound);
  // A batch of padding rows only: warm-up and capture touch no request's KV or state.
  GpuIteration none;
  GpuIteration all = Padded(none, size);
  Staged m = Stage(all, 0);
  m.maxCtxDecode = contextBound;
  // Warm-up first, eagerly (vLLM's capture_model runs cudagraph_num_of_warmups eager passes before
  // capturing): one-time kernel set-up and cuBLAS heuristics happen outside the capture.
  CheckRuntime(cudaMemcpyAsync(meta_, metaHost_, m.ints * 4, cudaMemcpyHostToDevice, stream_), "cudaMemcpyAsync", "graph warm-up metadata");
  Forward(m);
  CheckRuntime(cudaStreamSynchronize(stream_), "cudaStreamSynchronize", "graph warm-up " + args);
  // Thread-local capture: the VMM arena's mapping thread may call the driver meanwhile.
  CheckRuntime(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture", args);
  cudaGraph_t graph = nullptr;
  try {
    Forward(m);
  } catch (const std::exception& e) {
    cudaStreamEndCapture(stream_, &graph);
    if (graph) cudaGraphDestroy(graph);
    cudaGetLastError();
    ThrowState("GpuModel.run", args, std::string("a launch of the decode iteration could not be captured into a CUDA graph (run without cudaGraphs): ") + e.what());
  }
  const cudaError_t end = cudaStreamEndCapture(stream_, &graph);
  if (end != cudaSuccess || !graph) {
    if (graph) cudaGraphDestroy(graph);
    cudaGetLastError();
    ThrowState("GpuModel.run", args, std::string("CUDA graph capture of the decode iteration failed (run without cudaGraphs): ") + cudaGetErrorString(end));
  }
  cudaGraphExec_t exec = nullptr;
  const cudaError_t inst = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  CheckRuntime(inst, "cudaGraphInstantiate", args);
  graphs_[key] = exec;
  // The first launch of an instantiated graph also uploads it; do that here, outside any timing.
  CheckRuntime(cudaGraphUpload(exec, stream_), "cudaGraphUpload", args);
  CheckRuntime(cudaStreamSynchronize(stream_), "cudaStreamSynchronize", "graph upload " + args);
  return exec;
}

GpuIterationTimes GpuModelCore::Run(const GpuIteration& it) {
  const int n = it.rows;
  if (n <= 0 || n > c_.maxBatch) ThrowState("GpuModel.run", "rows=" + std::to_string(n), "rows outside [1, maxBatch]");
  GpuIterationTimes r;
  const int size = GraphSizeFor(it);
  cudaGraphExec_t exec = nullptr;
  int contextBound = 0;
  if (size > 0) {
    // The decode kernel's split plan is a host argument (maxContextLen) that a graph bakes in: graphs
    // are keyed by the padded batch and the longest decode context rounded up to a power of two, so a
    // replay splits the context as an eager launch at that bound would. (vLLM's FlashAttention backend
    // instead computes its split metadata outside the graph: vllm/v1/attention/backends/flash_attn.py.)
    int maxCtx = 0;
    for (int i = 0; i < n; i++) maxCtx = std::max(maxCtx, it.context[i] + 1);
    contextBound = 16;
    while (contextBound < maxCtx) contextBound *= 2;
    contextBound = std::max(std::min(contextBound, c_.maxContext), maxCtx);
    const auto c0 = std::chrono::steady_clock::now();
    exec = GraphFor(size, contextBound);
    r.captureS = std::chrono::duration<double>(std::chrono::steady_clock::now() - c0).count();
  }
  const auto host0 = std::chrono::steady_clock::now();
  Staged m = exec ? Stage(Padded(it, size), n) : Stage(it, n);
  CheckRuntime(cudaEventRecord(ev0_, stream_), "cudaEventRecord", "");
  // Inputs go into the fixed device buffer the graph reads (as vLLM copies into its persistent
  // input buffers before a replay), then the graph or the eager launches.
  CheckRuntime(cudaMemcpyAsync(meta_, metaHost_, m.ints * 4, cudaMemcpyHostToDevice, stream_), "cudaMemcpyAsync", "iteration metadata");
  if (exec) {
    CheckRuntime(cudaGraphLaunch(exec, stream_), "cudaGraphLaunch", "rows=" + std::to_string(size));
  } else {
    Forward(m);
  }
  CheckRuntime(cudaEventRecord(ev1_, stream_), "cudaEventRecord", "");
  CheckRuntime(cudaEventSynchronize(ev1_), "cudaEventSynchronize", "iteration end");
  float ms = 0;
  CheckRuntime(cudaEventElapsedTime(&ms, ev0_, ev1_), "cudaEventElapsedTime", "");
  r.totalS = ms * 1e-3;
  r.hostS = std::chrono::duration<double>(std::chrono::steady_clock::now() - host0).count();
  r.graph = exec != nullptr;
  r.paddedRows = exec ? size : n;
  return r;
}

// A prompt (or chunk) through an sLSTM layer. The gates at t depend on h_{t-1} through R and a
// nonlinearity, so unlike mLSTM there is no chunkwise-parallel form (Beck et al. 2024, sec. 2.2: sLSTM
// is not parallelizable); xLSTM's own CUDA kernel loops over time inside one launch. kvsim's C API
// (kernels/xlstm/xlstm.h) has the step only, so each token is one xlstm_slstm_step (2 kernels: the
// recurrent product, then gating) reading R from L2 and the token's projected gates in place.
void GpuModelCore::SlstmSteps(const GpuLayerShape& l, const xlstm_slstm_state& st, const void* xPre, void* y, const int32_t* slot, int tokens) {
  const size_t hd = (size_t)l.heads * l.headDim;
  xlstm_slstm_step_args a{};
  a.batch = 1; a.heads = l.heads; a.headDim = l.headDim; a.inputDtype = XLSTM_BF16;
  a.R = slstm_.wR; a.bias = nullptr; a.slots = slot; a.workspace = slWorkspace_; a.state = st;
  for (int t = 0; t < tokens; t++) {
    a.xPre = static_cast<const char*>(xPre) + (size_t)t * 4 * hd * 2;
    a.y = static_cast<char*>(y) + (size_t)t * hd * 2;
    CheckXlstm(xlstm_slstm_step(&a, stream_), "xlstm_slstm_step", Dims({1, l.heads, l.headDim, t}));
  }
}
