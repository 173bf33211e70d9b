#pragma once

#include "harness.h"

struct BenchEnv {
  double copyGBs;  // measured device-to-device copy, read + write bytes
  double l2Bytes;
};

double measureCopyGBs(size_t bytes);
Row benchMlstmStep(const BenchEnv& env, int batch, xlstm_dtype state, int streaming, int unroll);
// Timed runs (median reported) of each mLSTM prefill timing; the prefill sweep prints it with its lines.
constexpr int kPrefillMedianReps = 15;
// xLSTM-7B mLSTM layer (H 8, dqk 256, dv 512, bf16 inputs) prefill of batch x seqLen tokens with
// `algorithm` (xlstm_prefill_algorithm); a workspace allocated once is passed to every call, so
// the times exclude cudaMallocAsync. once: one call, no warm-up (a profiler sees exactly one
// call's kernels; the time is then a single cold launch).
Row benchMlstmPrefill(const BenchEnv& env, int batch, int seqLen, xlstm_dtype state, int algorithm,
                      bool once = false);
// sLSTM step, H 4, headDim 512, bf16 inputs. once: one layer, one step, no warm-up (for ncu).
Row benchSlstmStep(const BenchEnv& env, int batch, xlstm_dtype state, bool once = false);
/** Every sLSTM step variant (slstmStep.cu) on adjacent rows, same buffers, named by variant. */
std::vector<Row> benchSlstmStepVariants(const BenchEnv& env, int batch, xlstm_dtype state);
