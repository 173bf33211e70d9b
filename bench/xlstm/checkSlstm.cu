// Correctness of the sLSTM step against the float64 reference over several consecutive steps.

#include <algorithm>
#include <cstring>

#include "checks.h"
#include "mlstmPool.h"

bool checkSlstmStep(const SlstmCase& c, uint64_t seed) {
  Rng rng(seed);
  const int B = c.batch, H = c.heads, dh = c.headDim;
  const size_t poolElems = (size_t)c.numSlots * H * dh;
  HostArr ph(c.state, poolElems), pc(c.state, poolElems), pn(c.state, poolElems);
  std::vector<float> pm(poolElems);
  for (size_t i = 0; i < poolElems; ++i) {
    ph.set(i, std::tanh(rng.normal()));
    pc.set(i, rng.normal());
    pn.set(i, 0.5 + 2.0 * rng.uniform());  // n >= i' > 0 in a running request
    pm[i] = (float)(4.0 * rng.uniform() - 2.0);
  }
  const HostArr ih = ph, ic = pc, in0 = pn;
  const std::vector<float> im = pm;
  DevBuf dph(ph.bytes.size()), dpc(pc.bytes.size()), dpn(pn.bytes.size()), dpm(pm.size() * 4);
  dph.up(ph.bytes.data()); dpc.up(pc.bytes.data()); dpn.up(pn.bytes.data()); dpm.up(pm.data());

  std::vector<int32_t> slots = pickSlots(rng, B, c.numSlots);
  if (c.invalidSlot) slots[B / 2] = -1;
  DevBuf ds(slots.size() * 4);
  ds.up(slots.data());

  HostArr R(c.input, (size_t)H * 4 * dh * dh);
  const double rs = 1.0 / std::sqrt((double)dh);
  for (size_t i = 0; i < R.n; ++i) R.set(i, rs * rng.normal());
  std::vector<float> bias((size_t)4 * H * dh);
  for (auto& x : bias) x = (float)(0.5 * rng.normal());
  DevBuf dR(R.bytes.size()), dbias(bias.size() * 4);
  dR.up(R.bytes.data());
  dbias.up(bias.data());

  std::vector<xref::SlstmHead> refs(B * H);
  for (int b = 0; b < B; ++b)
    for (int h = 0; h < H; ++h) {
      if (slots[b] < 0) continue;
      auto& r = refs[b * H + h];
      const size_t base = ((size_t)slots[b] * H + h) * dh;
      r.h.resize(dh); r.c.resize(dh); r.n.resize(dh); r.m.resize(dh);
      for (int j = 0; j < dh; ++j)
        r.h[j] = ph.get(base + j), r.c[j] = pc.get(base + j), r.n[j] = pn.get(base + j),
        r.m[j] = pm[base + j];
    }
  // Per head, R and bias as doubles in the reference's layout.
  std::vector<std::vector<double>> Rd(H), bd(H);
  for (int h = 0; h < H; ++h) {
    Rd[h].resize((size_t)4 * dh * dh);
    for (size_t i = 0; i < Rd[h].size(); ++i) Rd[h][i] = R.get((size_t)h * 4 * dh * dh + i);
    bd[h].resize((size_t)4 * dh);
    for (int g = 0; g < 4; ++g)
      for (int j = 0; j < dh; ++j) bd[h][g * dh + j] = bias[((size_t)g * H + h) * dh + j];
  }

  HostArr x(c.input, (size_t)B * 4 * H * dh), y(c.input, (size_t)B * H * dh);
  DevBuf dx(x.bytes.size()), dy(y.bytes.size()), dws((size_t)xlstm_slstm_workspace_bytes(B, H, dh));
  double errY = 0.0;
  bool nanOk = true;
  std::vector<double> xd((size_t)4 * dh), yr(dh);
  for (int step = 0; step < c.steps; ++step) {
    for (size_t i = 0; i < x.n; ++i) x.set(i, 1.5 * rng.normal());
    dx.up(x.bytes.data());
    dy.poison();
    xlstm_slstm_step_args a{};
    a.batch = B; a.heads = H; a.headDim = dh; a.inputDtype = c.input;
    a.xPre = dx.p; a.R = dR.p; a.bias = c.withBias ? dbias.as<float>() : nullptr;
    a.slots = ds.as<int32_t>(); a.y = dy.p; a.workspace = dws.p;
    a.state.h = dph.p; a.state.c = dpc.p; a.state.n = dpn.p; a.state.m = dpm.as<float>();
    a.state.numSlots = c.numSlots; a.state.dtype = c.state;
    XK(xlstm_slstm_step(&a, nullptr));
    CK(cudaDeviceSynchronize());
    dy.down(y.bytes.data());
    std::vector<double> out, ref;
    for (int b = 0; b < B; ++b)
      for (int h = 0; h < H; ++h) {
        const size_t bh = (size_t)b * H + h;
        if (slots[b] < 0) {
          for (int j = 0; j < dh; ++j) nanOk &= std::isnan(y.get(bh * dh + j));
          continue;
        }
        for (int g = 0; g < 4; ++g)
          for (int j = 0; j < dh; ++j) xd[g * dh + j] = x.get((((size_t)b * 4 + g) * H + h) * dh + j);
        xref::slstmStep(refs[bh], dh, xd.data(), Rd[h].data(), c.withBias ? bd[h].data() : nullptr,
                        yr.data());
        for (int j = 0; j < dh; ++j) out.push_back(y.get(bh * dh + j)), ref.push_back(yr[j]);
      }
    errY = std::max(errY, relErr(out, ref));
  }
  dph.down(ph.bytes.data()); dpc.down(pc.bytes.data()); dpn.down(pn.bytes.data());
  dpm.down(pm.data());
  std::vector<double> o[4], r[4];
  std::vector<bool> used(c.numSlots, false);
  for (int b = 0; b < B; ++b) {
    if (slots[b] < 0) continue;
    used[slots[b]] = true;
    for (int h = 0; h < H; ++h) {
      const size_t base = ((size_t)slots[b] * H + h) * dh;
      const auto& rf = refs[b * H + h];
      for (int j = 0; j < dh; ++j) {
        o[0].push_back(ph.get(base + j)); r[0].push_back(rf.h[j]);
        o[1].push_back(pc.get(base + j)); r[1].push_back(rf.c[j]);
        o[2].push_back(pn.get(base + j)); r[2].push_back(rf.n[j]);
        o[3].push_back(pm[base + j]); r[3].push_back(rf.m[j]);
      }
    }
  }
  double errS = 0.0;
  for (int i = 0; i < 4; ++i) errS = std::max(errS, relErr(o[i], r[i]));
  bool untouched = true;
  const size_t eb = dtypeBytes(c.state), per = (size_t)H * dh;
  for (int s = 0; s < c.numSlots; ++s) {
    if (used[s]) continue;
    untouched &= !std::memcmp(&ph.bytes[s * per * eb], &ih.bytes[s * per * eb], per * eb);
    untouched &= !std::memcmp(&pc.bytes[s * per * eb], &ic.bytes[s * per * eb], per * eb);
    untouched &= !std::memcmp(&pn.bytes[s * per * eb], &in0.bytes[s * per * eb], per * eb);
    untouched &= !std::memcmp(&pm[s * per], &im[s * per], per * 4);
  }
  const double tY = (c.input == XLSTM_BF16 || c.state == XLSTM_BF16) ? 1.5e-2 : 3e-3;
  const double tS = c.state == XLSTM_BF16 ? 1.5e-2 : 1e-4;
  const bool ok = errY <= tY && errS <= tS && nanOk && untouched;
  std::printf("%s slstm   %-28s in=%s state=%s steps=%d  errY=%.2e (<=%.0e) errState=%.2e "
              "(<=%.0e) invalidSlotNaN=%s untouchedSlots=%s\n",
              ok ? "PASS" : "FAIL", c.name, dtypeName(c.input), dtypeName(c.state), c.steps, errY,
              tY, errS, tS, nanOk ? "ok" : "BAD", untouched ? "ok" : "BAD");
  return ok;
}
