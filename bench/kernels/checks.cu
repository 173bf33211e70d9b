// Correctness: every kernel variant against a float64 reference on fresh random inputs, outputs
// poisoned (NaN) before each run, unused KV bytes poisoned too. Prints PASS/FAIL per case.
#include <cstdlib>
#include <cstring>

#include "harness.h"

namespace {

struct Counts {
  int pass = 0, fail = 0;
};

void report(Counts& c, bool ok, const std::string& name, double err, double tol) {
  (ok ? c.pass : c.fail)++;
  std::printf("%s %-78s relerr=%.3e tol=%.0e\n", ok ? "PASS" : "FAIL", name.c_str(), err, tol);
  std::fflush(stdout);
}

// out[b][h][d] for one query per request (decode) or for packed query rows (prefill).
// qPos[row] is the absolute position of the row's query; it sees keys 0..qPos (causal) or all.
void referenceAttention(const std::vector<double>& q, size_t qRowBase, int nRows, const std::vector<int>& qPos,
                        const HostTensor& k, const HostTensor& v, int ctx, int hq, int hkv, int d, bool causal,
                        double scale, std::vector<double>& out) {
  const int group = hq / hkv;
  std::vector<double> sc(ctx);
  for (int r = 0; r < nRows; ++r)
    for (int h = 0; h < hq; ++h) {
      const int kh = h / group;
      const double* qv = &q[((qRowBase + r) * hq + h) * d];
      const int last = causal ? std::min(ctx - 1, qPos[r]) : ctx - 1;
      double mx = -INFINITY;
      for (int t = 0; t <= last; ++t) {
        const double* kv = &k.vals[((size_t)t * hkv + kh) * d];
        double s = 0;
        for (int i = 0; i < d; ++i) s += qv[i] * kv[i];
        sc[t] = s * scale;
        mx = std::max(mx, sc[t]);
      }
      double sum = 0;
      for (int t = 0; t <= last; ++t) sum += (sc[t] = std::exp(sc[t] - mx));
      double* o = &out[((qRowBase + r) * hq + h) * d];
      for (int i = 0; i < d; ++i) o[i] = 0;
      for (int t = 0; t <= last; ++t) {
        const double w = sc[t] / sum;
        const double* vv = &v.vals[((size_t)t * hkv + kh) * d];
        for (int i = 0; i < d; ++i) o[i] += w * vv[i];
      }
    }
}

std::string ctxString(const std::vector<int>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

void checkDecode(Counts& counts, Rng& rng, kvsim_dtype_t dt, int d, int hq, int hkv, const std::vector<int>& ctx,
                 const std::vector<int>& splitsList) {
  const int batch = (int)ctx.size();
  const int maxCtx = *std::max_element(ctx.begin(), ctx.end());
  std::vector<HostTensor> k(batch), v(batch);
  for (int i = 0; i < batch; ++i) {
    k[i].fill((size_t)ctx[i] * hkv * d, rng, dt);
    v[i].fill((size_t)ctx[i] * hkv * d, rng, dt);
  }
  HostTensor q;
  q.fill((size_t)batch * hq * d, rng, dt);
  const double scale = 1.0 / std::sqrt((double)d);
  std::vector<double> ref((size_t)batch * hq * d);
  for (int i = 0; i < batch; ++i)
    referenceAttention(q.vals, i, 1, {ctx[i] - 1}, k[i], v[i], ctx[i], hq, hkv, d, false, scale, ref);

  KvLayouts lay;
  lay.buildArena(k, v, ctx, hkv, d, rng);
  DevBuf<uint16_t> dq(q.bits.size()), dout(ref.size());
  dq.upload(q.bits);
  DevBuf<int32_t> dctx(batch);
  dctx.upload(std::vector<int32_t>(ctx.begin(), ctx.end()));
  kvsim_attn_shape_t shape{dt, hq, hkv, d, (float)scale};

  auto runOne = [&](const kvsim_kv_cache_t& cache, int splits, const std::string& what) {
    const size_t ws = kvsim_attn_decode_workspace_bytes(&shape, batch, maxCtx, splits);
    DevBuf<char> dws(ws);
    if (ws) CK(cudaMemset(dws.p, 0xFF, ws));
    CK(cudaMemset(dout.p, 0xFF, dout.n * 2));
    CKA(kvsim_attn_decode(&shape, &cache, dq.p, dout.p, dctx.p, batch, maxCtx, splits, dws.p, ws, nullptr));
    CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
    const double err = relErr(dout.download(), ref, dt);
    const double tol = tolFor(dt);
    char name[256];
    std::snprintf(name, sizeof name, "decode %s %s D%d Hq%d Hkv%d splits=%d ctx=%s", what.c_str(), dtName(dt), d, hq,
                  hkv, splits, ctxString(ctx).c_str());
    report(counts, err <= tol, name, err, tol);
  };
  for (int s : splitsList) runOne(lay.arena(), s, "contig");
  for (int bs : {16, 32, 64, 128, 256}) {
    lay.buildPaged(k, v, ctx, hkv, d, bs, rng);
    runOne(lay.paged(), splitsList[0], "paged-bs" + std::to_string(bs));
  }
}

void checkPrefill(Counts& counts, Rng& rng, kvsim_dtype_t dt, int d, int hq, int hkv, const std::vector<int>& prefix,
                  const std::vector<int>& qLen, bool causal, const std::vector<int>& blockSizes, int tokenRows = 1,
                  bool tightSlots = false) {
  const int batch = (int)qLen.size();
  std::vector<int> ctx(batch), cu(batch + 1, 0);
  for (int i = 0; i < batch; ++i) {
    ctx[i] = prefix[i] + qLen[i];
    cu[i + 1] = cu[i] + qLen[i];
  }
  const int maxQ = *std::max_element(qLen.begin(), qLen.end());
  std::vector<HostTensor> k(batch), v(batch);
  for (int i = 0; i < batch; ++i) {
    k[i].fill((size_t)ctx[i] * hkv * d, rng, dt);
    v[i].fill((size_t)ctx[i] * hkv * d, rng, dt);
  }
  HostTensor q;
  q.fill((size_t)cu[batch] * hq * d, rng, dt);
  const double scale = 1.0 / std::sqrt((double)d);
  std::vector<double> ref((size_t)cu[batch] * hq * d);
  for (int i = 0; i < batch; ++i) {
    std::vector<int> pos(qLen[i]);
    for (int r = 0; r < qLen[i]; ++r) pos[r] = prefix[i] + r;
    referenceAttention(q.vals, cu[i], qLen[i], pos, k[i], v[i], ctx[i], hq, hkv, d, causal, scale, ref);
  }
  KvLayouts lay;
  lay.buildArena(k, v, ctx, hkv, d, rng, tokenRows, tightSlots);
  DevBuf<uint16_t> dq(q.bits.size()), dout(ref.size());
  dq.upload(q.bits);
  DevBuf<int32_t> dctx(batch), dcu(batch + 1);
  dctx.upload(std::vector<int32_t>(ctx.begin(), ctx.end()));
  dcu.upload(std::vector<int32_t>(cu.begin(), cu.end()));
  kvsim_attn_shape_t shape{dt, hq, hkv, d, (float)scale};
  // path: "" = the default (persistent TMA) kernel, "ws" = the one-tile-per-CTA warp-specialised kernel, "mma" = the mma.sync kernel, "wgmma64" / "wgmma128"
  // = the non-specialised wgmma kernel with 64 / 128-key tiles, "wsl" / "ws2" = the warp-specialised
  // kernel's variants (copies arrive on landing / 2 stages), "tmae" = the TMA kernel with early next-tile loads.
  // "tmal" = the TMA kernel looking paged block numbers up a tile ahead.
  // A path ending in "-blocks" also launches in the blocks-fastest grid order (prefillGrid.cuh); "+boxes"
  // moves the smallest TMA block size to 8 tokens (KVSIM_ATTN_TMA_MIN_BLOCK=8: paged blocks of 8-32 tokens
  // through one TMA box per block), "+cp" sends every K/V tile through cp.async (KVSIM_ATTN_TMA_KV=off):
  // the load paths the kernel bench's paged / contiguous decomposition times.
  // The load-path switches as the caller exported them (restored after each path, never just cleared).
  const char* minBlockEnv = std::getenv("KVSIM_ATTN_TMA_MIN_BLOCK");
  const char* tmaKvEnv = std::getenv("KVSIM_ATTN_TMA_KV");
  const std::string callerMinBlock = minBlockEnv ? minBlockEnv : "", callerTmaKv = tmaKvEnv ? tmaKvEnv : "";
  auto restoreSwitches = [&]() {
    if (callerMinBlock.empty()) unsetenv("KVSIM_ATTN_TMA_MIN_BLOCK");
    else setenv("KVSIM_ATTN_TMA_MIN_BLOCK", callerMinBlock.c_str(), 1);
    if (callerTmaKv.empty()) unsetenv("KVSIM_ATTN_TMA_KV");
    else setenv("KVSIM_ATTN_TMA_KV", callerTmaKv.c_str(), 1);
  };
  auto runPath = [&](const kvsim_kv_cache_t& cache, const std::string& what, const char* pathArg) {
    std::string path = pathArg;
    const bool blocks = path.size() >= 7 && path.compare(path.size() - 7, 7, "-blocks") == 0;
    if (blocks) path.resize(path.size() - 7);
    const size_t plus = path.find('+');
    const std::string modifier = plus == std::string::npos ? "" : path.substr(plus + 1);
    if (plus != std::string::npos) path.resize(plus);
    if (modifier == "boxes") setenv("KVSIM_ATTN_TMA_MIN_BLOCK", "8", 1);
    if (modifier == "cp") setenv("KVSIM_ATTN_TMA_KV", "off", 1);
    if (blocks) setenv("KVSIM_ATTN_PREFILL_ORDER", "blocks", 1);
    if (!path.empty()) setenv("KVSIM_ATTN_PREFILL", path.c_str(), 1);
    else unsetenv("KVSIM_ATTN_PREFILL");
    CK(cudaMemset(dout.p, 0xFF, dout.n * 2));
    CKA(kvsim_attn_prefill(&shape, &cache, dq.p, dout.p, dcu.p, dctx.p, batch, maxQ, causal ? 1 : 0, nullptr));
    CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
    unsetenv("KVSIM_ATTN_PREFILL");
    unsetenv("KVSIM_ATTN_PREFILL_ORDER");
    restoreSwitches();
    const double err = relErr(dout.download(), ref, dt);
    const double tol = tolFor(dt);
    char name[256];
    std::snprintf(name, sizeof name, "prefill[%s] %s %s %s D%d Hq%d Hkv%d prefix=%s q=%s", *pathArg ? pathArg : "default",
                  what.c_str(), causal ? "causal" : "full", dtName(dt), d, hq, hkv, ctxString(prefix).c_str(),
                  ctxString(qLen).c_str());
    report(counts, err <= tol, name, err, tol);
  };
  // KVSIM_CHECK_PATHS (comma-separated, "default" for ""): only those paths, e.g. the new variant's under
  // compute-sanitizer or several seeds (bench/kernels/device_run.sh); unset: every path.
  const char* only = std::getenv("KVSIM_CHECK_PATHS");
  auto selected = [&](const char* path) {
    if (only == nullptr) return true;
    const std::string name = *path ? path : "default", list = std::string(",") + only + ",";
    return list.find("," + name + ",") != std::string::npos;
  };
  auto runOne = [&](const kvsim_kv_cache_t& cache, const std::string& what) {
    for (const char* path : {"", "tmae", "tmal", "mma", "wgmma64", "wgmma128", "ws", "wsl", "ws2", "-blocks", "wgmma64-blocks",
                             "ws-blocks", "tmae-blocks", "tmal-blocks", "+boxes", "tmal+boxes", "+cp"})
      if (selected(path)) runPath(cache, what, path);
  };
  runOne(lay.arena(), tokenRows > 1 || tightSlots ? "contig-rows" + std::to_string(tokenRows) + (tightSlots ? "-tight" : "")
                                                  : std::string("contig"));
  for (int bs : blockSizes) {
    lay.buildPaged(k, v, ctx, hkv, d, bs, rng);
    runOne(lay.paged(), "paged-bs" + std::to_string(bs));
  }
}

// Invalid arguments must be refused before any launch.
void checkRefusals(Counts& counts) {
  kvsim_attn_shape_t shape{KVSIM_DTYPE_F16, 32, 8, 96, 0.1f};
  kvsim_kv_cache_t kv{};
  int x = 0;
  kv.layout = KVSIM_KV_CONTIGUOUS;
  kv.k = kv.v = &x;
  kv.slotStrideBytes = 1 << 20;
  int rc = kvsim_attn_decode(&shape, &kv, &x, &x, &x, 1, 1, 1, nullptr, 0, nullptr);
  report(counts, rc == KVSIM_ATTN_EHEADDIM, "refuse head dim 96", 0, 0);
  shape.headDim = 128;
  kv.slotStrideBytes = (1 << 20) + 8; // slots would start 8 bytes off the 16-byte chunks the kernels read
  rc = kvsim_attn_prefill(&shape, &kv, &x, &x, &x, &x, 1, 1, 1, nullptr);
  report(counts, rc == KVSIM_ATTN_ELAYOUT, "refuse a slot stride that is not a multiple of 16 bytes", 0, 0);
  kv.slotStrideBytes = 1 << 20;
  shape.numKvHeads = 5;
  rc = kvsim_attn_prefill(&shape, &kv, &x, &x, &x, &x, 1, 1, 1, nullptr);
  report(counts, rc == KVSIM_ATTN_EGQA, "refuse 32 q heads over 5 kv heads", 0, 0);
  shape.numKvHeads = 8;
  kv.layout = KVSIM_KV_PAGED;
  kv.blockTable = &x;
  kv.maxBlocksPerSeq = 1;
  kv.blockSizeTokens = 24;
  rc = kvsim_attn_decode(&shape, &kv, &x, &x, &x, 1, 1, 1, nullptr, 0, nullptr);
  report(counts, rc == KVSIM_ATTN_EBLOCKSIZE, "refuse block size 24", 0, 0);
  kv.blockSizeTokens = 16;
  rc = kvsim_attn_decode(&shape, &kv, &x, &x, &x, 4, 100000, 8, nullptr, 0, nullptr);
  report(counts, rc == KVSIM_ATTN_EWORKSPACE, "refuse split decode without workspace", 0, 0);
}

// The auto-split workspace bound must cover every smaller call (the native backend allocates it
// once from maxBatch and maxContext).
void checkWorkspaceBound(Counts& counts) {
  bool ok = true;
  long long worst = 0;
  for (int hkv : {1, 8, 32})
    for (int maxB : {1, 7, 64, 256}) {
      kvsim_attn_shape_t shape{KVSIM_DTYPE_F16, 32, hkv, 128, 0.1f};
      const int maxC = 40000;
      const size_t bound = kvsim_attn_decode_workspace_bytes(&shape, maxB, maxC, 0);
      for (int b = 1; b <= maxB; b += (b < 16 ? 1 : 7))
        for (int c = 1; c <= maxC; c += (c < 2048 ? 61 : 997)) {
          const int s = kvsim_attn_decode_auto_splits(&shape, b, c);
          const size_t need = kvsim_attn_decode_workspace_bytes(&shape, b, c, s);
          if (need > bound) ok = false;
          worst = std::max(worst, (long long)need);
        }
    }
  report(counts, ok, "auto-split workspace bound covers all smaller calls (max need " + std::to_string(worst) + " B)", 0, 0);
}

} // namespace

int runChecks(uint64_t seed) {
  Rng rng(seed);
  Counts c;
  checkRefusals(c);
  checkWorkspaceBound(c);
  const std::vector<int> ragged = {1, 7, 64, 65, 300, 1000, 2500};
  for (kvsim_dtype_t dt : {KVSIM_DTYPE_F16, KVSIM_DTYPE_BF16})
    for (int d : {128, 64}) {
      checkDecode(c, rng, dt, d, 32, 8, ragged, {0, 1, 5});
      checkDecode(c, rng, dt, d, 8, 8, {1, 129, 4099}, {0});
    }
  checkDecode(c, rng, KVSIM_DTYPE_F16, 128, 40, 2, {33, 777}, {0, 3}); // group of 20: two row tiles
  checkDecode(c, rng, KVSIM_DTYPE_F16, 128, 8, 1, {1}, {0});            // one-token context
  checkDecode(c, rng, KVSIM_DTYPE_F16, 128, 32, 8, {5000, 17, 8192, 2}, {0, 16});
  for (kvsim_dtype_t dt : {KVSIM_DTYPE_F16, KVSIM_DTYPE_BF16})
    for (int d : {128, 64}) {
      checkPrefill(c, rng, dt, d, 8, 2, {0, 0, 0}, {1, 100, 300}, true, {16, 256});
      checkPrefill(c, rng, dt, d, 8, 2, {37, 500, 1}, {129, 64, 1}, true, {32});   // chunked: prefix + chunk
    }
  checkPrefill(c, rng, KVSIM_DTYPE_F16, 128, 8, 2, {0, 200}, {257, 70}, false, {64});
  checkPrefill(c, rng, KVSIM_DTYPE_F16, 128, 4, 4, {0}, {1000}, true, {128});
  checkPrefill(c, rng, KVSIM_DTYPE_BF16, 128, 16, 2, {1111, 0}, {390, 513}, true, {16});
  // A context shorter than its queries (outside attention.h's contract): rows at negative positions see
  // no key and must come out zero, a whole 128-row block of them included (the warp-specialised kernel
  // once waited forever there), the others attend to what exists. Last, so the cases above keep their seeds.
  checkPrefill(c, rng, KVSIM_DTYPE_F16, 128, 8, 2, {-200, 0}, {300, 64}, true, {16});
  // More row blocks than SMs, so that the persistent kernel (tma) walks several tiles per CTA, skips empty
  // ones and carries its stage / phase / turn counters across them: causal with 8-token blocks (cp.async)
  // and 512-token blocks (TMA inside a block), chunked and ragged; and non-causal with 64-token blocks (two
  // TMA boxes per tile). After the cases above, which keep their seeds.
  checkPrefill(c, rng, KVSIM_DTYPE_F16, 128, 16, 4, {0, 300, 0, 900}, {600, 3, 450, 129}, true, {8, 512});
  checkPrefill(c, rng, KVSIM_DTYPE_BF16, 128, 32, 8, {0, 100}, {520, 300}, false, {64});
  // The megacache layout (a token's row every 2 rows) with the tightest slot stride the contract allows and
  // contexts that are multiples of 128: a TMA map whose token extent came from slot stride / token stride
  // (255 here) read the last full tile's last token as zeros (found in review). After the cases above.
  checkPrefill(c, rng, KVSIM_DTYPE_F16, 128, 8, 2, {0, 128}, {256, 128}, true, {}, 2, true);
  std::printf("CHECKS %d passed, %d failed\n", c.pass, c.fail);
  return c.fail == 0 ? 0 : 1;
}
