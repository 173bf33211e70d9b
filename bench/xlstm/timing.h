#pragma once

#include "harness.h"

struct BenchEnv {
  double copyGBs;  // measured device-to-device copy, read + write bytes
  double l2Bytes;
};

double measureCopyGBs(size_t bytes);
Row benchMlstmStep(const BenchEnv& env, int batch, xlstm_dtype state, int streaming, int unroll);
Row benchMlstmPrefill(const BenchEnv& env, int batch, int seqLen, xlstm_dtype state);
Row benchSlstmStep(const BenchEnv& env, int batch, xlstm_dtype state);
