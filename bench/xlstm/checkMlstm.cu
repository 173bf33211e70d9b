// Correctness of the mLSTM step and chunkwise prefill against the float64 reference (and of the
// prefill against the step kernel run token by token). Fresh random inputs per case, outputs
// poisoned with NaN before every launch, untouched slots must stay bit-identical.

#include <algorithm>
#include <cstring>

#include "checks.h"
#include "mlstmPool.h"

std::vector<int32_t> pickSlots(Rng& rng, int batch, int numSlots) {
  std::vector<int32_t> all(numSlots);
  for (int i = 0; i < numSlots; ++i) all[i] = i;
  for (int i = numSlots - 1; i > 0; --i) std::swap(all[i], all[rng.below(i + 1)]);
  all.resize(batch);
  return all;
}

// Gate pre-activations: mostly moderate, some far beyond the soft cap (|x| up to 40).
float gatePre(Rng& rng, double mean, double sd) {
  if (rng.below(10) == 0) return (float)((rng.below(2) ? 1 : -1) * (20.0 + 20.0 * rng.uniform()));
  return (float)(mean + sd * rng.normal());
}

void fillNormal(HostArr& a, Rng& rng) {
  for (size_t i = 0; i < a.n; ++i) a.set(i, rng.normal());
}

double tolH(xlstm_dtype in, xlstm_dtype st, bool prefill) {
  // Prefill rounds Q', C and P to the input type for the tensor cores. A float64 emulation of
  // exactly those roundings on the same inputs reproduced the kernel's worst error (1.39e-2
  // vs 1.392e-2, shape 96x80): the error is the bf16 algorithm's, not a kernel fault.
  if (prefill) return in == XLSTM_BF16 ? 3e-2 : 5e-3;
  if (st == XLSTM_BF16) return 1e-2;
  return in == XLSTM_BF16 ? 6e-3 : 1.5e-3;
}
double tolState(xlstm_dtype in, xlstm_dtype st, bool prefill) {
  if (st == XLSTM_BF16) return 1.5e-2;
  if (prefill) return in == XLSTM_BF16 ? 1e-2 : 3e-3;
  return 1e-5;
}

// Compare the pool with the references for used slots; unused slots must equal `init` bytes.
void comparePool(const MlstmPool& pool, const MlstmPool& init,
                        const std::vector<int32_t>& slots,
                        const std::vector<xref::MlstmHead>& refs, double& errC, double& errN,
                        double& errM, bool& untouchedOk) {
  std::vector<double> c, n, m, rc, rn, rm;
  std::vector<bool> used(pool.numSlots, false);
  for (size_t b = 0; b < slots.size(); ++b) {
    if (slots[b] < 0 || slots[b] >= pool.numSlots) continue;
    used[slots[b]] = true;
    for (int h = 0; h < pool.H; ++h) {
      pool.appendHead(slots[b], h, c, n, m);
      const auto& r = refs[b * pool.H + h];
      rc.insert(rc.end(), r.C.begin(), r.C.end());
      rn.insert(rn.end(), r.n.begin(), r.n.end());
      rm.push_back(r.m);
    }
  }
  errC = relErr(c, rc);
  errN = relErr(n, rn);
  errM = relErr(m, rm);
  untouchedOk = true;
  const size_t eb = dtypeBytes(pool.dt);
  for (int s = 0; s < pool.numSlots; ++s) {
    if (used[s]) continue;
    const size_t per = (size_t)pool.H * pool.dqk * pool.dv * eb;
    untouchedOk &= std::memcmp(&pool.C.bytes[s * per], &init.C.bytes[s * per], per) == 0;
    const size_t pn = (size_t)pool.H * pool.dqk * eb;
    untouchedOk &= std::memcmp(&pool.n.bytes[s * pn], &init.n.bytes[s * pn], pn) == 0;
    for (int h = 0; h < pool.H; ++h)
      untouchedOk &= std::memcmp(&pool.m[s * pool.H + h], &init.m[s * pool.H + h], 4) == 0;
  }
}

bool checkMlstmStep(const StepCase& c, uint64_t seed) {
  Rng rng(seed);
  const int B = c.batch, H = c.heads, dqk = c.dqk, dv = c.dv;
  MlstmPool pool(c.numSlots, H, dqk, dv, c.state);
  pool.randomize(rng);
  if (c.zeroInit) {
    std::fill(pool.C.bytes.begin(), pool.C.bytes.end(), 0);
    std::fill(pool.n.bytes.begin(), pool.n.bytes.end(), 0);
    std::fill(pool.m.begin(), pool.m.end(), 0.0f);
  }
  pool.upload();
  MlstmPool init(c.numSlots, H, dqk, dv, c.state);
  init.C = pool.C; init.n = pool.n; init.m = pool.m;
  std::vector<int32_t> slots = pickSlots(rng, B, c.numSlots);
  if (c.invalidSlot) slots[B / 2] = -1;
  std::vector<xref::MlstmHead> refs(B * H);
  for (int b = 0; b < B; ++b)
    for (int h = 0; h < H; ++h)
      if (slots[b] >= 0) refs[b * H + h] = pool.head(slots[b], h);

  HostArr q(c.input, (size_t)B * H * dqk), k(q), v(c.input, (size_t)B * H * dv), hOut(v);
  std::vector<float> ig(B * H), fg(B * H);
  DevBuf dq(q.bytes.size()), dk(k.bytes.size()), dvb(v.bytes.size()), dh(hOut.bytes.size());
  DevBuf di(ig.size() * 4), df(fg.size() * 4), ds(slots.size() * 4);
  ds.up(slots.data());
  double errH = 0.0;
  bool nanOk = true;
  for (int step = 0; step < c.steps; ++step) {
    // A bf16 state is rounded at every store, and h divides by |q.n|, which can be small: the
    // rounding of earlier steps is amplified there (3.6e-2 seen over 3 steps). The kernel's
    // contract is one exact step from the stored state, so the reference restarts from it.
    if (c.state == XLSTM_BF16 && step > 0) {
      pool.download();
      for (int b = 0; b < B; ++b)
        for (int h = 0; h < H; ++h)
          if (slots[b] >= 0) refs[b * H + h] = pool.head(slots[b], h);
    }
    fillNormal(q, rng);
    fillNormal(k, rng);
    fillNormal(v, rng);
    for (auto& x : ig) x = gatePre(rng, 0.0, 4.0);
    for (auto& x : fg) x = gatePre(rng, 2.0, 3.0);
    dq.up(q.bytes.data()); dk.up(k.bytes.data()); dvb.up(v.bytes.data());
    di.up(ig.data()); df.up(fg.data());
    dh.poison();
    xlstm_mlstm_step_args a{};
    a.batch = B; a.heads = H; a.dqk = dqk; a.dv = dv; a.inputDtype = c.input;
    a.q = dq.p; a.k = dk.p; a.v = dvb.p; a.igatePre = di.as<float>(); a.fgatePre = df.as<float>();
    a.slots = ds.as<int32_t>(); a.gateSoftCap = 15.0f; a.h = dh.p; a.state = pool.state();
    XK(xlstm_mlstm_step(&a, nullptr));
    CK(cudaDeviceSynchronize());
    dh.down(hOut.bytes.data());
    std::vector<double> out, ref, qd(dqk), kd(dqk), vd(dv), hr(dv);
    for (int b = 0; b < B; ++b)
      for (int h = 0; h < H; ++h) {
        const size_t bh = (size_t)b * H + h;
        if (slots[b] < 0) {
          for (int j = 0; j < dv; ++j) nanOk &= std::isnan(hOut.get(bh * dv + j));
          continue;
        }
        for (int i = 0; i < dqk; ++i) qd[i] = q.get(bh * dqk + i), kd[i] = k.get(bh * dqk + i);
        for (int j = 0; j < dv; ++j) vd[j] = v.get(bh * dv + j);
        xref::mlstmStep(refs[bh], dqk, dv, qd.data(), kd.data(), vd.data(), ig[bh], fg[bh], 15.0,
                        hr.data());
        for (int j = 0; j < dv; ++j) out.push_back(hOut.get(bh * dv + j)), ref.push_back(hr[j]);
      }
    errH = std::max(errH, relErr(out, ref));
  }
  pool.download();
  double eC, eN, eM;
  bool untouched;
  comparePool(pool, init, slots, refs, eC, eN, eM, untouched);
  const double tH = tolH(c.input, c.state, false), tS = tolState(c.input, c.state, false);
  const bool ok = errH <= tH && eC <= tS && eN <= tS && eM <= 1e-6 && nanOk && untouched;
  std::printf("%s step    %-28s in=%s state=%s steps=%d  errH=%.2e (<=%.0e) errC=%.2e errN=%.2e "
              "errM=%.2e (<=%.0e) invalidSlotNaN=%s untouchedSlots=%s\n",
              ok ? "PASS" : "FAIL", c.name, dtypeName(c.input), dtypeName(c.state), c.steps, errH,
              tH, eC, eN, eM, tS, nanOk ? "ok" : "BAD", untouched ? "ok" : "BAD");
  return ok;
}
