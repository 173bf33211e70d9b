// Timings: the copy ceiling, decode (contiguous vs paged per block size, split sweep) and prefill
// (causal, chunked, contiguous and paged). CUDA events, warm-up, median of many runs, sizes whose
// KV is far larger than L2 (so every run streams from HBM). Prints one BENCH line per measurement.
#include <cstring>

#include "harness.h"

namespace {

__global__ void fillRandom(uint16_t* p, size_t n, uint64_t seed, int bf16) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    uint64_t z = (i + 1) * 0x9E3779B97F4A7C15ull ^ seed;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const float x = ((float)(z >> 40) * (1.0f / 16777216.0f)) * 4.0f - 2.0f; // uniform [-2, 2)
    if (bf16) {
      __nv_bfloat16 b = __float2bfloat16_rn(x);
      p[i] = *reinterpret_cast<uint16_t*>(&b);
    } else {
      __half h = __float2half_rn(x);
      p[i] = *reinterpret_cast<uint16_t*>(&h);
    }
  }
}

void fill(DevBuf<uint16_t>& b, uint64_t seed, kvsim_dtype_t dt) {
  fillRandom<<<1024, 256>>>(b.p, b.n, seed, dt == KVSIM_DTYPE_BF16);
  CK(cudaGetLastError());
}

double gCopyTBs = 0;

void benchCopy() {
  const size_t bytes = 2ull << 30;
  DevBuf<char> a(bytes), b(bytes);
  CK(cudaMemset(a.p, 1, bytes));
  const double ms = timeMs([&](int) { CK(cudaMemcpyAsync(b.p, a.p, bytes, cudaMemcpyDeviceToDevice)); }, 3, 20);
  gCopyTBs = 2.0 * bytes / (ms * 1e-3) / 1e12;
  std::printf("BENCH copy bytes=%zu ms=%.4f TB/s=%.3f (read+write)\n", bytes, ms, gCopyTBs);
}

void benchDecode(kvsim_dtype_t dt, int batch, int ctx, int hq, int hkv, int d, const std::vector<int>& blockSizes,
                 const std::vector<int>& splitSweep) {
  const size_t rowElems = (size_t)hkv * d;
  const size_t slotBytes = ((size_t)ctx * rowElems * 2 + (2u << 20) - 1) / (2u << 20) * (2u << 20);
  DevBuf<uint16_t> ak(slotBytes / 2 * batch), av(slotBytes / 2 * batch);
  fill(ak, 1, dt);
  fill(av, 2, dt);
  // Two query/output sets, alternated, so consecutive runs do not see identical inputs.
  DevBuf<uint16_t> q0((size_t)batch * hq * d), q1((size_t)batch * hq * d), out((size_t)batch * hq * d);
  fill(q0, 3, dt);
  fill(q1, 4, dt);
  DevBuf<int32_t> dctx(batch);
  dctx.upload(std::vector<int32_t>(batch, ctx));
  kvsim_attn_shape_t shape{dt, hq, hkv, d, (float)(1.0 / std::sqrt((double)d))};
  const double kvBytes = 2.0 * batch * ctx * rowElems * 2;
  kvsim_kv_cache_t arena{};
  arena.layout = KVSIM_KV_CONTIGUOUS;
  arena.k = ak.p;
  arena.v = av.p;
  arena.slotStrideBytes = (int64_t)slotBytes;
  const int autoSplits = kvsim_attn_decode_auto_splits(&shape, batch, ctx);
  size_t wsBytes = 0;
  for (int s : splitSweep) wsBytes = std::max(wsBytes, kvsim_attn_decode_workspace_bytes(&shape, batch, ctx, s));
  wsBytes = std::max(wsBytes, kvsim_attn_decode_workspace_bytes(&shape, batch, ctx, 0));
  DevBuf<char> ws(wsBytes);
  auto run = [&](const kvsim_kv_cache_t& kv, int splits) {
    return timeMs([&](int i) {
      CKA(kvsim_attn_decode(&shape, &kv, (i & 1) ? q1.p : q0.p, out.p, dctx.p, batch, ctx, splits, ws.p, wsBytes, nullptr));
    }, 5, 30);
  };
  const double contigMs = run(arena, 0);
  auto line = [&](const char* what, int splits, double ms, double ratio) {
    const double tbs = kvBytes / (ms * 1e-3) / 1e12;
    std::printf("BENCH decode %-10s %s B=%d ctx=%d Hq=%d Hkv=%d D=%d splits=%d ms=%.4f TB/s=%.3f of_copy=%.3f", what,
                dtName(dt), batch, ctx, hq, hkv, d, splits, ms, tbs, gCopyTBs > 0 ? tbs / gCopyTBs : 0.0);
    if (ratio > 0) std::printf(" paged/contig_time=%.3f", ratio);
    std::printf("\n");
    std::fflush(stdout);
  };
  line("contig", autoSplits, contigMs, 0);
  for (int s : splitSweep) line("contig", s, run(arena, s), 0);
  ak.free();
  av.free();
  // Paged pool: same bytes, blocks handed out in a random order (a fragmented pool).
  DevBuf<uint16_t> pk((size_t)batch * ctx * rowElems), pv((size_t)batch * ctx * rowElems);
  fill(pk, 5, dt);
  fill(pv, 6, dt);
  Rng rng(7);
  for (int bs : blockSizes) {
    const int perSeq = ctx / bs, numBlocks = batch * perSeq;
    std::vector<int32_t> table(numBlocks);
    for (int i = 0; i < numBlocks; ++i) table[i] = i;
    for (int i = numBlocks - 1; i > 0; --i) std::swap(table[i], table[rng.below(i + 1)]);
    DevBuf<int32_t> dt_(numBlocks);
    dt_.upload(table);
    kvsim_kv_cache_t paged{};
    paged.layout = KVSIM_KV_PAGED;
    paged.k = pk.p;
    paged.v = pv.p;
    paged.blockTable = dt_.p;
    paged.maxBlocksPerSeq = perSeq;
    paged.blockSizeTokens = bs;
    const double ms = run(paged, 0);
    line(("paged-bs" + std::to_string(bs)).c_str(), autoSplits, ms, ms / contigMs);
  }
  pk.free();
  pv.free();
  // The contiguous case again, to show the run-to-run spread next to the paged ratios.
  ak.alloc(slotBytes / 2 * batch);
  av.alloc(slotBytes / 2 * batch);
  fill(ak, 1, dt);
  fill(av, 2, dt);
  arena.k = ak.p;
  arena.v = av.p;
  line("contig-2nd", autoSplits, run(arena, 0), 0);
}

void benchPrefill(kvsim_dtype_t dt, const std::vector<int>& prefix, const std::vector<int>& qLen, bool causal, int hq,
                  int hkv, int d, const std::vector<int>& blockSizes) {
  const int batch = (int)qLen.size();
  std::vector<int32_t> ctx(batch), cu(batch + 1, 0);
  double pairs = 0;
  int maxQ = 0, maxCtx = 0;
  for (int i = 0; i < batch; ++i) {
    ctx[i] = prefix[i] + qLen[i];
    cu[i + 1] = cu[i] + qLen[i];
    pairs += causal ? (double)qLen[i] * prefix[i] + 0.5 * qLen[i] * (qLen[i] + 1.0) : (double)qLen[i] * ctx[i];
    maxQ = std::max(maxQ, qLen[i]);
    maxCtx = std::max(maxCtx, ctx[i]);
  }
  const double flops = 4.0 * hq * d * pairs;
  const size_t rowElems = (size_t)hkv * d;
  DevBuf<uint16_t> q((size_t)cu[batch] * hq * d), out((size_t)cu[batch] * hq * d);
  fill(q, 11, dt);
  DevBuf<int32_t> dctx(batch), dcu(batch + 1);
  dctx.upload(ctx);
  dcu.upload(cu);
  kvsim_attn_shape_t shape{dt, hq, hkv, d, (float)(1.0 / std::sqrt((double)d))};
  const size_t slotBytes = ((size_t)maxCtx * rowElems * 2 + 255) / 256 * 256;
  DevBuf<uint16_t> ak(slotBytes / 2 * batch), av(slotBytes / 2 * batch);
  fill(ak, 12, dt);
  fill(av, 13, dt);
  kvsim_kv_cache_t arena{};
  arena.layout = KVSIM_KV_CONTIGUOUS;
  arena.k = ak.p;
  arena.v = av.p;
  arena.slotStrideBytes = (int64_t)slotBytes;
  auto run = [&](const kvsim_kv_cache_t& kv) {
    return timeMs([&](int) {
      CKA(kvsim_attn_prefill(&shape, &kv, q.p, out.p, dcu.p, dctx.p, batch, maxQ, causal ? 1 : 0, nullptr));
    }, 3, 20);
  };
  std::string shapeStr = "B=" + std::to_string(batch) + " q=" + std::to_string(maxQ) + " prefix=" +
                         std::to_string(prefix[0]);
  // The kernel the unlabelled rows (contig, paged-*) time: the default, or KVSIM_ATTN_PREFILL as the caller
  // set it (e.g. KVSIM_ATTN_PREFILL=tma kernels_check prefill times that kernel at every block size).
  const char* underTestEnv = getenv("KVSIM_ATTN_PREFILL");
  const std::string underTest = underTestEnv ? underTestEnv : "";
  auto restoreUnderTest = [&]() {
    if (underTest.empty()) unsetenv("KVSIM_ATTN_PREFILL");
    else setenv("KVSIM_ATTN_PREFILL", underTest.c_str(), 1);
  };
  setenv("KVSIM_ATTN_PREFILL", "mma", 1);
  const double mmaMs = run(arena);
  restoreUnderTest();
  std::printf("BENCH prefill %-10s %s %s %s Hq=%d Hkv=%d D=%d ms=%.4f TFLOP/s=%.1f\n", "contig-mma",
              causal ? "causal" : "full", dtName(dt), shapeStr.c_str(), hq, hkv, d, mmaMs, flops / (mmaMs * 1e-3) / 1e12);
  // Variants: kernel (KVSIM_ATTN_PREFILL) and grid order (KVSIM_ATTN_PREFILL_ORDER), label.
  struct Variant {
    const char* kernel;
    const char* order;
    const char* label;
  };
  for (const Variant& variant : {Variant{"wgmma128", "", "contig-w128"}, Variant{"wgmma64", "", "contig-w64"},
                                 Variant{"ws2", "", "contig-ws2"}, Variant{"wsl", "", "contig-wsl"},
                                 Variant{"ws", "", "contig-ws"}, Variant{"tmae", "", "contig-tmae"},
                                 Variant{"tmal", "", "contig-tmal"},
                                 Variant{"", "blocks", "contig-blk"}}) {
    if (*variant.kernel) setenv("KVSIM_ATTN_PREFILL", variant.kernel, 1);
    if (*variant.order) setenv("KVSIM_ATTN_PREFILL_ORDER", variant.order, 1);
    const double ms = run(arena);
    restoreUnderTest();
    unsetenv("KVSIM_ATTN_PREFILL_ORDER");
    std::printf("BENCH prefill %-10s %s %s %s Hq=%d Hkv=%d D=%d ms=%.4f TFLOP/s=%.1f\n",
                variant.label, causal ? "causal" : "full", dtName(dt),
                shapeStr.c_str(), hq, hkv, d, ms, flops / (ms * 1e-3) / 1e12);
  }
  const double contigMs = run(arena);
  std::printf("BENCH prefill %-10s %s %s %s Hq=%d Hkv=%d D=%d ms=%.4f TFLOP/s=%.1f\n", "contig",
              causal ? "causal" : "full", dtName(dt), shapeStr.c_str(), hq, hkv, d, contigMs,
              flops / (contigMs * 1e-3) / 1e12);
  std::fflush(stdout);
  // One variant of the load path, timed right after a contiguous run of the kernel under test (the ratio of
  // neighbours): kernel = KVSIM_ATTN_PREFILL ("" = under test), minBlock = KVSIM_ATTN_TMA_MIN_BLOCK, tmaKvOff =
  // KVSIM_ATTN_TMA_KV=off (prefillHopperTma.cu's measurement switches; they change the load path, never results).
  const char* minBlockEnv = getenv("KVSIM_ATTN_TMA_MIN_BLOCK");
  const char* tmaKvEnv = getenv("KVSIM_ATTN_TMA_KV");
  const std::string callerMinBlock = minBlockEnv ? minBlockEnv : "", callerTmaKv = tmaKvEnv ? tmaKvEnv : "";
  auto variantRow = [&](const char* label, const kvsim_kv_cache_t& kv, const char* kernel, const char* minBlock,
                        bool tmaKvOff) {
    const double contigNowMs = run(arena);
    if (*kernel) setenv("KVSIM_ATTN_PREFILL", kernel, 1);
    if (*minBlock) setenv("KVSIM_ATTN_TMA_MIN_BLOCK", minBlock, 1);
    if (tmaKvOff) setenv("KVSIM_ATTN_TMA_KV", "off", 1);
    const double ms = run(kv);
    restoreUnderTest();
    // The switches as the caller exported them, not just cleared.
    if (callerMinBlock.empty()) unsetenv("KVSIM_ATTN_TMA_MIN_BLOCK");
    else setenv("KVSIM_ATTN_TMA_MIN_BLOCK", callerMinBlock.c_str(), 1);
    if (callerTmaKv.empty()) unsetenv("KVSIM_ATTN_TMA_KV");
    else setenv("KVSIM_ATTN_TMA_KV", callerTmaKv.c_str(), 1);
    std::printf("BENCH prefill %-10s %s %s %s Hq=%d Hkv=%d D=%d ms=%.4f TFLOP/s=%.1f paged/contig_time=%.3f\n", label,
                causal ? "causal" : "full", dtName(dt), shapeStr.c_str(), hq, hkv, d, ms, flops / (ms * 1e-3) / 1e12,
                ms / contigNowMs);
    std::fflush(stdout);
  };
  Rng rng(17);
  for (int bs : blockSizes) {
    int perSeq = (maxCtx + bs - 1) / bs, numBlocks = perSeq * batch;
    std::vector<int32_t> table(numBlocks);
    for (int i = 0; i < numBlocks; ++i) table[i] = i;
    const std::vector<int32_t> ascending = table;
    for (int i = numBlocks - 1; i > 0; --i) std::swap(table[i], table[rng.below(i + 1)]);
    DevBuf<int32_t> dtab(numBlocks), dtabAscending(numBlocks);
    dtab.upload(table);
    dtabAscending.upload(ascending);
    DevBuf<uint16_t> pk((size_t)numBlocks * bs * rowElems), pv((size_t)numBlocks * bs * rowElems);
    fill(pk, 14, dt);
    fill(pv, 15, dt);
    kvsim_kv_cache_t paged{};
    paged.layout = KVSIM_KV_PAGED;
    paged.k = pk.p;
    paged.v = pv.p;
    paged.blockTable = dtab.p;
    paged.maxBlocksPerSeq = perSeq;
    paged.blockSizeTokens = bs;
    const double ms = run(paged);
    std::printf("BENCH prefill %-10s %s %s %s Hq=%d Hkv=%d D=%d ms=%.4f TFLOP/s=%.1f paged/contig_time=%.3f\n",
                ("paged-bs" + std::to_string(bs)).c_str(), causal ? "causal" : "full", dtName(dt), shapeStr.c_str(), hq,
                hkv, d, ms, flops / (ms * 1e-3) / 1e12, ms / contigMs);
    // Paged then contiguous again, alternating: the ratio of neighbours (the spread between repeats of
    // one case is a few per cent, bench/kernels/NOTES.md).
    const double contigAgainMs = run(arena), pagedAgainMs = run(paged);
    std::printf("BENCH prefill %-10s %s %s %s Hq=%d Hkv=%d D=%d ms=%.4f TFLOP/s=%.1f paged/contig_time=%.3f\n",
                ("paged2-bs" + std::to_string(bs)).c_str(), causal ? "causal" : "full", dtName(dt), shapeStr.c_str(),
                hq, hkv, d, pagedAgainMs, flops / (pagedAgainMs * 1e-3) / 1e12, pagedAgainMs / contigAgainMs);
    std::fflush(stdout);
    // Where the paged overhead comes from (bench/kernels/NOTES.md run 15): the same pool with its blocks in
    // ascending order (locality, not the block table, differs from contiguous), block numbers looked up a
    // tile ahead (tmal), and for blocks below the TMA minimum one TMA box per block (boxes).
    const std::string b = std::to_string(bs);
    kvsim_kv_cache_t pagedAscending = paged;
    pagedAscending.blockTable = dtabAscending.p;
    variantRow(("paged-bs" + b + "-asc").c_str(), pagedAscending, "", "", false);
    variantRow(("paged-bs" + b + "-tmal").c_str(), paged, "tmal", "", false);
    if (bs < 64) {
      variantRow(("paged-bs" + b + "-boxes").c_str(), paged, "", "8", false);
      variantRow(("paged-bs" + b + "-tmal+boxes").c_str(), paged, "tmal", "8", false);
    }
  }
  if (!blockSizes.empty()) variantRow("contig-cp", arena, "", "", true); // contiguous K/V through cp.async
  if (!blockSizes.empty()) {
    const double again = run(arena);
    std::printf("BENCH prefill %-10s %s %s %s Hq=%d Hkv=%d D=%d ms=%.4f TFLOP/s=%.1f\n", "contig-2nd",
                causal ? "causal" : "full", dtName(dt), shapeStr.c_str(), hq, hkv, d, again, flops / (again * 1e-3) / 1e12);
  }
}

} // namespace

int runPrefillBenches();

int runBenches() {
  benchCopy();
  const std::vector<int> allBs = {16, 32, 64, 128, 256};
  // Llama-3-8B layer shapes (32 q heads, 8 kv heads, d 128): 1 GiB of KV per call.
  benchDecode(KVSIM_DTYPE_F16, 64, 4096, 32, 8, 128, allBs, {1, 2, 4});
  benchDecode(KVSIM_DTYPE_F16, 256, 1024, 32, 8, 128, allBs, {});
  benchDecode(KVSIM_DTYPE_F16, 8, 32768, 32, 8, 128, allBs, {4, 8, 16, 32});
  benchDecode(KVSIM_DTYPE_BF16, 64, 4096, 32, 8, 128, {16}, {});
  benchDecode(KVSIM_DTYPE_F16, 64, 4096, 32, 32, 128, {16}, {}); // MHA (Llama-2-7B): no GQA reuse
  return runPrefillBenches();
}

// The prefill half alone (`kernels_check prefill`, e.g. under ncu with a kernel-name filter).
int runPrefillBenches() {
  benchPrefill(KVSIM_DTYPE_F16, {0, 0, 0, 0}, {4096, 4096, 4096, 4096}, true, 32, 8, 128, {16, 32, 64, 256});
  benchPrefill(KVSIM_DTYPE_F16, {0}, {16384}, true, 32, 8, 128, {});
  benchPrefill(KVSIM_DTYPE_F16, std::vector<int>(16, 0), std::vector<int>(16, 1024), true, 32, 8, 128, {});
  benchPrefill(KVSIM_DTYPE_BF16, {0, 0, 0, 0}, {4096, 4096, 4096, 4096}, true, 32, 8, 128, {});
  benchPrefill(KVSIM_DTYPE_F16, {0, 0, 0, 0}, {4096, 4096, 4096, 4096}, false, 32, 8, 128, {});
  benchPrefill(KVSIM_DTYPE_F16, {3584, 3584, 3584, 3584}, {512, 512, 512, 512}, true, 32, 8, 128, {16});
  benchPrefill(KVSIM_DTYPE_F16, {0, 0, 0, 0}, {4096, 4096, 4096, 4096}, true, 32, 8, 64, {});
  return 0;
}

// One request of 256 to 32768 tokens, causal, one Llama-3-8B layer (32 q / 8 kv heads, d 128, bf16): the
// attention half of the prefill crossover (`kernels_check sweep`; bench/xlstm's --prefill-sweep times the
// mLSTM half in the same device call; bench/gpu/prefillCrossoverLogs.mjs joins them). The `contig` rows
// time the default kernel.
int runPrefillSweep() {
  for (int s = 256; s <= 32768; s *= 2) benchPrefill(KVSIM_DTYPE_BF16, {0}, {s}, true, 32, 8, 128, {});
  return 0;
}
