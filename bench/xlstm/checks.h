// Correctness cases of the xLSTM kernels; each prints one PASS/FAIL line and returns ok.
#pragma once

#include "harness.h"
#include "../../kernels/xlstm/xlstmInternal.h"  // XLSTM_TFLA_* (kTflaV2Flags)

struct StepCase {
  const char* name;
  int batch, heads, dqk, dv, numSlots;
  xlstm_dtype input, state;
  int steps;
  bool invalidSlot, zeroInit;
};

struct PrefillCase {
  const char* name;
  int batch, seqLen, heads, dqk, dv, numSlots;
  xlstm_dtype input, state;
  int splitAt;  // 0: one call; else two calls of splitAt and seqLen - splitAt tokens
  bool invalidSlot, zeroInit, vsStepKernel;
};

struct SlstmCase {
  const char* name;
  int batch, heads, headDim, numSlots;
  xlstm_dtype input, state;
  int steps;
  bool invalidSlot, withBias;
  // xPre, y and bias start this many bytes past a 256-byte boundary (0: cudaMalloc's alignment): a
  // shift that is not a multiple of 16 takes the steps' paths for callers' unaligned buffers.
  int shiftBytes = 0;
};

// Counts of check lines by outcome; a SKIP is a case an algorithm refuses by its documented limits.
struct CheckTally {
  int passed = 0, failed = 0, skipped = 0;
  void add(bool ok) { ++(ok ? passed : failed); }
};

// The prefill algorithms every prefill case runs with, and their names in check and bench lines.
// kPrefillTflaV2 is the harness's own code for tfla with both of its new variants (the fused state
// pass and the wide output kernel: xlstm_mlstm_prefill_tfla_variant(..., XLSTM_TFLA_FUSED_STATE |
// XLSTM_TFLA_WIDE_OUTPUT), forced whatever the shape (xlstm_mlstm_prefill picks per shape: the harness's
// "tfla" rows, which the C ABI names "tfla-v2" since run 8):
// held to the same bounds, and its h and state must be bit-identical to tfla's.
constexpr int kPrefillTflaV2 = 100;
// The variant flags kPrefillTflaV2 forces (the harness's checks, bench rows and parts lines).
constexpr unsigned kTflaV2Flags = XLSTM_TFLA_FUSED_STATE | XLSTM_TFLA_WIDE_OUTPUT;
constexpr int kPrefillAlgorithms[] = {XLSTM_PREFILL_SEQUENTIAL, XLSTM_PREFILL_TFLA, kPrefillTflaV2};
inline bool isTflaAlgorithm(int algorithm) { return algorithm == XLSTM_PREFILL_TFLA || algorithm == kPrefillTflaV2; }
// The algorithm code xlstm_mlstm_prefill and its workspace size know (tfla-v2: tfla's).
inline int publicPrefillAlgorithm(int algorithm) { return algorithm == kPrefillTflaV2 ? XLSTM_PREFILL_TFLA : algorithm; }
inline const char* prefillAlgorithmName(int algorithm) {
  return algorithm == XLSTM_PREFILL_TFLA ? "tfla"
         : algorithm == kPrefillTflaV2 ? "tfla-v2"
         : algorithm == XLSTM_PREFILL_SEQUENTIAL ? "sequential"
                                                  : "auto";
}
// One prefill call with the harness's algorithm code (tfla-v2: through the internal entry).
int runPrefillAlgorithm(xlstm_mlstm_prefill_args& a, int algorithm, void* stream);

bool checkMlstmStep(const StepCase& c, uint64_t seed);
// One PASS/FAIL/SKIP line per algorithm of kPrefillAlgorithms (same inputs, reference and bounds).
void checkMlstmPrefill(const PrefillCase& c, uint64_t seed, CheckTally& tally);
// Prefill cases with strongly negative / mixed forget gates (checkPrefill.cu), same lines and bounds.
void checkMlstmPrefillGateStress(uint64_t seed, CheckTally& tally);
bool checkSlstmStep(const SlstmCase& c, uint64_t seed);
