// The GPU executor's synthetic model without N-API: a model with the preset's real shapes and random
// weights that runs one serving iteration (or one profiled operation) on the GPU and times it with CUDA
// events. Weights are shared by all layers of one kind: each layer's weights (hundreds of MB) dwarf the
// L2, so every layer still streams its weights from HBM and GEMM time is that of distinct weights,
// while the memory left for KV-cache and state is what the memory policy was given.
#pragma once
#include <cuda_runtime_api.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "attention/attention.h"
#include "cublasApi.h"
#include "model/modelGlue.h"
#include "xlstm/xlstm.h"

struct GpuLayerShape {
  int kind = 0;  // 0 attention (heads, kvHeads, headDim), 1 mLSTM (heads, dqk, dv), 2 sLSTM (heads, headDim)
  int heads = 0, kvHeads = 0, headDim = 0;
  int dqk = 0, dv = 0;
};

struct GpuModelConfig {
  int device = 0;
  int hidden = 0, ffn = 0, vocab = 0;
  std::vector<GpuLayerShape> layers;
  int maxTokens = 0;      // largest token count of one iteration
  int maxBatch = 0;       // largest batch of one iteration
  int maxContext = 0;     // largest context of a request (decode workspace sizing)
  uint64_t seed = 1;
  // KV-cache of the attention layers: 0 contiguous (VMM arena slots), 1 paged (block pool), -1 none.
  int kvLayout = -1;
  std::vector<uint64_t> kBase, vBase;  // per attention layer
  int64_t slotStrideBytes = 0;
  // Contiguous: bytes between a token's rows (0 = packed, one layer per buffer); vAttention's megacache
  // layout strides over all attention layers (kBase/vBase then point at each layer's offset in the row).
  int64_t tokenStrideBytes = 0;
  int maxBlocksPerSeq = 0;
  int blockSizeTokens = 0;
  // mLSTM and sLSTM state pools (allocated here): slots per recurrent layer and the state dtype
  // (XLSTM_F32 / XLSTM_BF16) of every recurrent layer.
  int stateSlots = 0;
  int stateDtype = 0;
  // CUDA graphs for decode-only iterations (0 = every iteration eager, as before). When on, a batch of
  // n decode rows runs as a replay of a graph captured for the smallest size in graphSizes >= n (vLLM
  // V1's cudagraph_capture_sizes, computed in TypeScript: src/sim/cost/calibrated/cudaGraphSizes.ts),
  // its n..size-1 rows padding that write K/V only to padKvSlot (contiguous: a slot no request owns,
  // page 0 mapped) or padBlock (paged: a block no request owns) and step a state slot of their own.
  int cudaGraphs = 0;
  std::vector<int32_t> graphSizes;  // ascending, each in [1, min(maxBatch, maxTokens)]
  int padKvSlot = -1;
  int padBlock = -1;
};

// One iteration, rows in any order: row i brings prefill[i] + decode[i] new tokens after context[i].
struct GpuIteration {
  int rows = 0;
  std::vector<int32_t> prefill, decode, context, kvSlot, stateSlot;
  std::vector<int32_t> blockTable;  // [rows][maxBlocksPerSeq] (paged)
};

struct GpuIterationTimes {
  double totalS = 0;        // CUDA events around the whole iteration
  double hostS = 0;         // host wall time: staging, launches and the final synchronize
  bool graph = false;       // the iteration ran as a CUDA graph replay
  int paddedRows = 0;       // rows the kernels ran: the capture size for a graph, else the batch
  double captureS = 0;      // host time of a lazy warm-up + capture before it (not in totalS/hostS)
};

class GpuModelCore {
 public:
  explicit GpuModelCore(const GpuModelConfig& c);
  ~GpuModelCore();
  GpuModelCore(const GpuModelCore&) = delete;
  GpuModelCore& operator=(const GpuModelCore&) = delete;

  GpuIterationTimes Run(const GpuIteration& it);
  // Profiling: median seconds over `reps` event-timed runs after warm-up.
  double TimeLayerGemm(int kind, int tokens, int reps);
  double TimeLmHead(int rows, int reps);
  // blockOrder (paged only): 0 shuffled block table, 1 ascending.
  double TimeDecode(int batch, int context, int paged, int blockSize, int blockOrder, int reps);
  double TimePrefill(int chunk, int context, int paged, int blockSize, int blockOrder, int reps);
  double TimeMlstmStep(int batch, int reps);
  double TimeMlstmPrefill(int tokens, int reps);
  double TimeSlstmStep(int batch, int reps);
  // One prompt of `tokens` through one sLSTM layer: a step per token (see SlstmSteps).
  double TimeSlstmPrefill(int tokens, int reps);
  // The Time* calls' busy-wait before each timed run (see gpuModelProfile.cc Median); 0 = none.
  void SetTimingPrimeNs(int64_t ns) { timingPrimeNs_ = ns; }
  void Destroy();
  uint64_t deviceBytes() const { return deviceBytes_; }

 private:
  int64_t timingPrimeNs_ = 0;
  /** The constructor's work; the constructor frees what it made if it throws. */
  void Init();
  struct KindWeights {
    void* wIn = nullptr;   // attention: [d][(H+2Hkv)D]; mlstm: [d][H(2dqk+dv)+2H]; slstm: [d][4 H D] (i, f, z, o)
    void* wGate = nullptr; // mlstm output gate [d][H dv]
    void* wR = nullptr;    // slstm block-diagonal recurrent weights [H][4][D][D]
    void* wOut = nullptr;  // [H D or H dv][d]
    int inWidth = 0, outIn = 0;
  };
  // One iteration's metadata staged in metaHost_ (layout in Stage); rows >= realRows are padding.
  struct Staged {
    int n = 0, nd = 0, T = 0, maxQ = 0, maxCtxDecode = 0, resets = 0;
    size_t oRow = 0, oPos = 0, oKvSlot = 0, oBt = 0, oDec = 0, oCu = 0, oPre = 0, oState = 0, oReset = 0, ints = 0;
  };
  Staged Stage(const GpuIteration& it, int realRows);
  // Every launch of one iteration on stream_ (no sync, no allocation: capturable when decode-only).
  void Forward(const Staged& m);
  // The capture size for a decode-only batch, or 0 when the iteration runs eagerly.
  int GraphSizeFor(const GpuIteration& it) const;
  // `it` padded to `size` rows (see GpuModelConfig::cudaGraphs).
  GpuIteration Padded(const GpuIteration& it, int size) const;
  // The graph for (size, context bound), warmed up, captured and instantiated on first use.
  cudaGraphExec_t GraphFor(int size, int contextBound);
  void* Alloc(size_t bytes, const char* what);
  void Gemm(const void* x, const void* w, void* y, int T, int K, int N);
  void LayerGemms(int kind, int T);  // projections + output + MLP over T tokens
  void Check(int code, const char* call, const std::string& args);
  // xlstm_* entry points return an xlstm_status (not a cudaError_t).
  void CheckXlstm(int status, const char* call, const std::string& args);
  // sLSTM over `tokens` consecutive tokens of ONE request (slot: device pointer to its slot index):
  // the recurrence is nonlinear in h_{t-1}, so tokens go one xlstm_slstm_step launch each, in order.
  void SlstmSteps(const GpuLayerShape& l, const xlstm_slstm_state& st, const void* xPre, void* y, const int32_t* slot, int tokens);
  const GpuLayerShape& ShapeOf(int kind) const;

  GpuModelConfig c_;
  const CublasApi* blas_ = nullptr;
  cublasHandle_t handle_ = nullptr;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t ev0_ = nullptr, ev1_ = nullptr;
  std::vector<void*> allocs_;
  uint64_t deviceBytes_ = 0;
  KindWeights attn_, mlstm_, slstm_;
  void *wGateUp_ = nullptr, *wDown_ = nullptr, *wLm_ = nullptr;
  // Activations sized for maxTokens.
  void *x_ = nullptr, *proj_ = nullptr, *q_ = nullptr, *k_ = nullptr, *v_ = nullptr, *mix_ = nullptr, *y_ = nullptr,
       *gu_ = nullptr, *act_ = nullptr, *logits_ = nullptr, *ogate_ = nullptr;
  float *ig_ = nullptr, *fg_ = nullptr;
  void* workspace_ = nullptr;
  size_t workspaceBytes_ = 0;
  void* cublasWs_ = nullptr;
  // Per-iteration metadata on the device (one upload) and its pinned staging copy.
  int32_t* meta_ = nullptr;
  int32_t* metaHost_ = nullptr;
  size_t metaInts_ = 0;
  // mLSTM state pools, one per mLSTM layer; sLSTM state pools, one per sLSTM layer.
  std::vector<xlstm_mlstm_state> states_;
  std::vector<xlstm_slstm_state> slStates_;
  // sLSTM step scratch (fp32 partial sums), sized for the largest batch a step is given.
  void* mlPrefillWs_ = nullptr;  // xlstm_mlstm_prefill scratch (auto's tfla), sized for maxTokens
  size_t mlPrefillWsBytes_ = 0;
  void* slWorkspace_ = nullptr;
  size_t slWorkspaceBytes_ = 0;
  // CUDA graphs by (padded rows << 32 | decode context bound); the state slot padding rows step.
  std::map<uint64_t, cudaGraphExec_t> graphs_;
  int padStateSlot_ = -1;
  bool destroyed_ = false;
};
