// xLSTM kernel harness: correctness against float64 (PASS/FAIL/SKIP per case) and timings.
// Usage: xlstm_bench [--check] [--bench] [--profile-prefill] [--profile-slstm]
//                    [--algorithm sequential|tfla|tfla-v2] [--seed N]   (no action flag: check + bench)
//   --check            every case; each prefill case once per algorithm (sequential, tfla and
//                      tfla-v2, tfla with its fused state pass and wide output kernel: must match
//                      tfla bit for bit)
//   --bench            the timing table; each prefill shape once per algorithm
//   --profile-prefill  one prefill call for a profiler (ncu): xLSTM-7B layer (H 8, dqk 256,
//                      dv 512, bf16 inputs, fp32 state) at B=4 S=4096, with --algorithm
//   --prefill-sweep    the mLSTM half of the prefill crossover: tfla (as xlstm_mlstm_prefill picks it)
//                      at B=1, S = 256 .. 32768, xLSTM-7B layer, bf16 inputs, fp32 state
//   --profile-slstm    one sLSTM step at batch 64, the bench's sLSTM shape (H 4, dh 512, bf16
//                      inputs, fp32 state)
//   --algorithm        what --profile-prefill launches (default sequential); checks and the
//                      bench always run every algorithm
// Exit status: 0 all checks passed (or skipped), 1 a check failed, 2 a CUDA or argument error.

#include <chrono>
#include <cstring>
#include <random>

#include "../../kernels/xlstm/xlstmInternal.h"
#include "checks.h"
#include "timing.h"

static int runChecks(uint64_t seed) {
  const StepCase steps[] = {
      {"batch1 64x64 fresh", 1, 1, 64, 64, 1, XLSTM_BF16, XLSTM_F32, 3, false, true},
      {"ragged 3x2 96x200", 3, 2, 96, 200, 11, XLSTM_BF16, XLSTM_F32, 3, true, false},
      {"xlstm7b B5 256x512", 5, 8, 256, 512, 9, XLSTM_BF16, XLSTM_F32, 3, false, false},
      {"xlstm7b B5 256x512 f16", 5, 8, 256, 512, 7, XLSTM_F16, XLSTM_F32, 3, true, false},
      {"xlstm7b B4 256x512", 4, 8, 256, 512, 6, XLSTM_BF16, XLSTM_BF16, 3, false, false},
      {"odd 7x3 40x1024", 7, 3, 40, 1024, 10, XLSTM_BF16, XLSTM_BF16, 2, true, false},
      {"odd 2x5 300x24", 2, 5, 300, 24, 3, XLSTM_F16, XLSTM_F32, 4, false, false},
  };
  const PrefillCase prefills[] = {
      {"one token", 1, 1, 1, 64, 64, 1, XLSTM_BF16, XLSTM_F32, 0, false, true, true},
      {"one chunk exactly", 1, 64, 2, 128, 128, 3, XLSTM_BF16, XLSTM_F32, 0, false, false, true},
      {"ragged 2x100 96x80", 2, 100, 2, 96, 80, 5, XLSTM_BF16, XLSTM_F32, 0, true, false, true},
      {"xlstm7b 2x130 256x512", 2, 130, 8, 256, 512, 3, XLSTM_BF16, XLSTM_F32, 0, false, false, true},
      {"split 70+59 f16", 2, 129, 3, 64, 192, 4, XLSTM_F16, XLSTM_F32, 70, false, false, true},
      {"split 64+1 fresh", 1, 65, 2, 256, 512, 2, XLSTM_BF16, XLSTM_F32, 64, false, true, true},
      {"bf16 state 3x200", 3, 200, 2, 128, 256, 4, XLSTM_BF16, XLSTM_BF16, 0, false, false, false},
      {"long 1x1000 fresh", 1, 1000, 1, 256, 512, 1, XLSTM_BF16, XLSTM_F32, 0, false, true, false},
  };
  const SlstmCase slstms[] = {
      {"batch1 dh32", 1, 1, 32, 1, XLSTM_BF16, XLSTM_F32, 3, false, true},
      {"ragged 5x3 dh96", 5, 3, 96, 13, XLSTM_BF16, XLSTM_F32, 3, true, true},
      {"B19 H4 dh512", 19, 4, 512, 23, XLSTM_BF16, XLSTM_F32, 3, false, true},
      {"B9 H2 dh1024 f16", 9, 2, 1024, 9, XLSTM_F16, XLSTM_F32, 2, false, false},
      {"B11 H4 dh200 bf16 state", 11, 4, 200, 12, XLSTM_BF16, XLSTM_BF16, 3, true, true},
      // Tensor-core recurrent product (batch >= kSlMmaMinBatch = 16): fp32 h as hi + lo in R's type,
      // bf16 h direct, bf16 h -> f16 for f16 R; partial request groups, unit tiles and k chunks.
      {"mma B64 H4 dh512", 64, 4, 512, 70, XLSTM_BF16, XLSTM_F32, 3, true, true},
      {"mma B64 H4 dh512 bf16 state", 64, 4, 512, 64, XLSTM_BF16, XLSTM_BF16, 3, false, true},
      {"mma B16 H4 dh520 k-split", 16, 4, 520, 20, XLSTM_BF16, XLSTM_F32, 2, false, true},
      {"mma B100 H2 dh1024 f16", 100, 2, 1024, 101, XLSTM_F16, XLSTM_F32, 2, true, false},
      {"mma B40 H3 dh136 f16 bf16 st", 40, 3, 136, 45, XLSTM_F16, XLSTM_BF16, 3, true, true},
      {"mma B256 H2 dh200", 256, 2, 200, 256, XLSTM_BF16, XLSTM_F32, 2, false, true},
  };
  CheckTally t;
  uint64_t s = seed;
  for (const auto& c : steps) t.add(checkMlstmStep(c, ++s));
  for (const auto& c : prefills) checkMlstmPrefill(c, ++s, t);
  // Forget/input gates that stress the exponent arithmetic (strongly negative, alternating, a crash
  // after a long run): the cases where fp32 cumulative gates lost precision in tfla (checkPrefill.cu).
  checkMlstmPrefillGateStress(seed + 1000, t);
  for (const auto& c : slstms) t.add(checkSlstmStep(c, ++s));
  std::printf("checks: %d/%d passed, %d skipped (seed %llu)\n", t.passed, t.passed + t.failed,
              t.skipped, (unsigned long long)seed);
  return t.failed;
}

static void runBench(const cudaDeviceProp& prop) {
  BenchEnv env;
  env.l2Bytes = prop.l2CacheSize;
  env.copyGBs = measureCopyGBs((size_t)1 << 30);
  std::printf("device copy (1 GiB D2D, read+write): %.0f GB/s\n", env.copyGBs);
  std::vector<Row> rows;
  // Step variants side by side at the batch that fills the GPU, then the default at other sizes.
  for (xlstm_dtype st : {XLSTM_F32, XLSTM_BF16})
    for (int streaming : {0, 1})
      for (int unroll : {1, 4, 8}) rows.push_back(benchMlstmStep(env, 128, st, streaming, unroll));
  for (int B : {1, 16, 64, 256})
    rows.push_back(benchMlstmStep(env, B, XLSTM_F32, xlstm_mlstm_step_default_streaming,
                                  xlstm_mlstm_step_default_unroll));
  for (int B : {1, 16, 64})
    rows.push_back(benchMlstmStep(env, B, XLSTM_BF16, xlstm_mlstm_step_default_streaming,
                                  xlstm_mlstm_step_default_unroll));
  // Prefill: each shape with every algorithm (sequential, tfla, tfla-v2), adjacent rows.
  struct PrefillShape {
    int batch, seqLen;
    xlstm_dtype state;
  };
  for (const PrefillShape& p : {PrefillShape{1, 8192, XLSTM_F32}, PrefillShape{4, 4096, XLSTM_F32},
                                PrefillShape{16, 1024, XLSTM_F32}, PrefillShape{4, 4096, XLSTM_BF16}})
    for (const int algorithm : kPrefillAlgorithms)
      rows.push_back(benchMlstmPrefill(env, p.batch, p.seqLen, p.state, algorithm));
  // One request at a time, as the GPU executor prefills (native/gpuModelCore.cc): where tfla
  // starts to beat sequential decides what `auto` should pick per prompt length.
  for (int S : {16, 64, 128, 256, 512, 1024, 2048})
    for (const int algorithm : kPrefillAlgorithms)
      rows.push_back(benchMlstmPrefill(env, 1, S, XLSTM_F32, algorithm));
  // sLSTM step: every variant of kernels/xlstm/slstmStep.cu (old = run 5's code, new, new-nopdl, coop, new-early)
  // on adjacent rows, same buffers (timing.h).
  for (int B : {8, 64, 256})
    for (const Row& r : benchSlstmStepVariants(env, B, XLSTM_F32)) rows.push_back(r);
  for (const Row& r : benchSlstmStepVariants(env, 64, XLSTM_BF16)) rows.push_back(r);
  // A second copy measurement after the kernels: the spread says how steady the card was.
  const double copy2 = measureCopyGBs((size_t)1 << 30);

  std::printf("\n| kernel | shape | time us | GB/s | %% of copy | TFLOP/s |\n|---|---|---|---|---|---|\n");
  for (const auto& r : rows)
    std::printf("| %s | %s | %.1f | %.0f | %.1f | %s |\n", r.what.c_str(), r.shape.c_str(),
                r.timeUs, r.gbps, r.pctCopy,
                r.tflops > 0 ? std::to_string(r.tflops).substr(0, 6).c_str() : "-");
  std::printf("copy before %.0f GB/s, after %.0f GB/s (%s, %d SMs, L2 %d MiB)\n", env.copyGBs,
              copy2, prop.name, prop.multiProcessorCount, prop.l2CacheSize >> 20);
}

static bool parseAlgorithm(const char* s, int& algorithm) {
  if (!std::strcmp(s, "sequential")) algorithm = XLSTM_PREFILL_SEQUENTIAL;
  else if (!std::strcmp(s, "tfla")) algorithm = XLSTM_PREFILL_TFLA;
  else if (!std::strcmp(s, "tfla-v2")) algorithm = kPrefillTflaV2;
  else return false;
  return true;
}

int main(int argc, char** argv) {
  bool check = false, bench = false, profilePrefill = false, profileSlstm = false, prefillSweep = false;
  int algorithm = XLSTM_PREFILL_SEQUENTIAL;
  uint64_t seed = (uint64_t)std::random_device{}() ^
                  (uint64_t)std::chrono::steady_clock::now().time_since_epoch().count();
  for (int i = 1; i < argc; ++i) {
    const bool hasValue = i + 1 < argc;
    if (!std::strcmp(argv[i], "--check")) check = true;
    else if (!std::strcmp(argv[i], "--bench")) bench = true;
    else if (!std::strcmp(argv[i], "--profile-prefill")) profilePrefill = true;
    else if (!std::strcmp(argv[i], "--profile-slstm")) profileSlstm = true;
    else if (!std::strcmp(argv[i], "--prefill-sweep")) prefillSweep = true;
    else if (!std::strcmp(argv[i], "--seed") && hasValue) seed = std::strtoull(argv[++i], nullptr, 10);
    else if (!std::strcmp(argv[i], "--algorithm") && hasValue) {
      if (!parseAlgorithm(argv[++i], algorithm)) {
        std::fprintf(stderr, "xlstm_bench: unknown algorithm '%s' (expected sequential, tfla or tfla-v2)\n",
                     argv[i]);
        return 2;
      }
    } else {
      std::fprintf(stderr,
                   "xlstm_bench: unknown option '%s' (expected --check, --bench, --profile-prefill, "
                   "--profile-slstm, --prefill-sweep, --algorithm sequential|tfla|tfla-v2, --seed N)\n",
                   argv[i]);
      return 2;
    }
  }
  if (!check && !bench && !profilePrefill && !profileSlstm && !prefillSweep) check = bench = true;
  int dev = 0;
  CK(cudaSetDevice(dev));
  cudaDeviceProp prop;
  CK(cudaGetDeviceProperties(&prop, dev));
  std::printf("device: %s, sm_%d%d, %d SMs, L2 %d MiB, %.0f GiB\n", prop.name, prop.major, prop.minor,
              prop.multiProcessorCount, prop.l2CacheSize >> 20, prop.totalGlobalMem / 1073741824.0);
  int failed = 0;
  if (check) failed = runChecks(seed);
  if (bench) runBench(prop);
  const BenchEnv profileEnv{1.0, (double)prop.l2CacheSize};
  if (profilePrefill) {
    // One prefill call for a profiler (ncu): the xLSTM-7B layer at B=4 S=4096 (the bench's row),
    // changed from 4x1024 so the profile shows the shape the bench and NOTES.md report.
    const Row r = benchMlstmPrefill(profileEnv, 4, 4096, XLSTM_F32, algorithm, true);
    std::printf("profile prefill %s B=4 S=4096: one cold call %.1f us, %.2f TFLOP/s\n",
                prefillAlgorithmName(algorithm), r.timeUs, r.tflops);
  }
  if (prefillSweep) {
    // The mLSTM half of the prefill crossover (bench/gpu/prefillCrossoverLogs.mjs reads the SWEEP lines).
    BenchEnv env;
    env.l2Bytes = prop.l2CacheSize;
    env.copyGBs = measureCopyGBs((size_t)1 << 30);
    for (int S = 256; S <= 32768; S *= 2) {
      const Row r = benchMlstmPrefill(env, 1, S, XLSTM_F32, XLSTM_PREFILL_TFLA);
      std::printf("SWEEP mlstm tfla B=1 S=%d us=%.2f reps=%d\n", S, r.timeUs, kPrefillMedianReps);
    }
  }
  if (profileSlstm) {  // one sLSTM step (its two kernels) for a profiler
    const Row r = benchSlstmStep(profileEnv, 64, XLSTM_F32, true);
    std::printf("profile slstm B=64 H=4 dh=512: one cold step %.1f us\n", r.timeUs);
  }
  return failed ? 1 : 0;
}
