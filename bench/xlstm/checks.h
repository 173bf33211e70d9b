// Correctness cases of the xLSTM kernels; each prints one PASS/FAIL line and returns ok.
#pragma once

#include "harness.h"

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
};

bool checkMlstmStep(const StepCase& c, uint64_t seed);
bool checkMlstmPrefill(const PrefillCase& c, uint64_t seed);
bool checkSlstmStep(const SlstmCase& c, uint64_t seed);
