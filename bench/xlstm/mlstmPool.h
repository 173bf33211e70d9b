// Host mirror of an mLSTM state pool on the device, for checks and timings.
#pragma once

#include "harness.h"
#include "reference.h"

struct MlstmPool {
  int numSlots, H, dqk, dv;
  xlstm_dtype dt;
  HostArr C, n;
  std::vector<float> m;
  DevBuf dC, dn, dm;

  MlstmPool(int slots, int heads, int dqk_, int dv_, xlstm_dtype d)
      : numSlots(slots), H(heads), dqk(dqk_), dv(dv_), dt(d),
        C(d, (size_t)slots * heads * dqk_ * dv_), n(d, (size_t)slots * heads * dqk_),
        m((size_t)slots * heads), dC(C.bytes.size()), dn(n.bytes.size()), dm(m.size() * 4) {}

  // A state as a running request would have it: C, n of moderate size, m anywhere in [-3, 3].
  void randomize(Rng& rng) {
    for (size_t i = 0; i < C.n; ++i) C.set(i, 0.5 * rng.normal());
    for (size_t i = 0; i < n.n; ++i) n.set(i, rng.normal());
    for (auto& x : m) x = (float)(6.0 * rng.uniform() - 3.0);
  }
  void upload() {
    dC.up(C.bytes.data());
    dn.up(n.bytes.data());
    dm.up(m.data());
  }
  void download() {
    dC.down(C.bytes.data());
    dn.down(n.bytes.data());
    dm.down(m.data());
  }
  xlstm_mlstm_state state() const {
    xlstm_mlstm_state s;
    s.C = dC.p;
    s.n = dn.p;
    s.m = dm.as<float>();
    s.numSlots = numSlots;
    s.dtype = dt;
    return s;
  }
  xref::MlstmHead head(int slot, int h) const {
    xref::MlstmHead r;
    const size_t sh = (size_t)slot * H + h;
    r.C.resize((size_t)dqk * dv);
    r.n.resize(dqk);
    for (size_t i = 0; i < r.C.size(); ++i) r.C[i] = C.get(sh * dqk * dv + i);
    for (int i = 0; i < dqk; ++i) r.n[i] = n.get(sh * dqk + i);
    r.m = m[sh];
    return r;
  }
  // Append this slot/head's state (as stored) to flat vectors, to compare with a reference.
  void appendHead(int slot, int h, std::vector<double>& c, std::vector<double>& nn,
                  std::vector<double>& mm) const {
    const xref::MlstmHead s = head(slot, h);
    c.insert(c.end(), s.C.begin(), s.C.end());
    nn.insert(nn.end(), s.n.begin(), s.n.end());
    mm.push_back(s.m);
  }
};

// Distinct random slots for `batch` requests out of `numSlots` (ragged: any order, any gaps).
std::vector<int32_t> pickSlots(Rng& rng, int batch, int numSlots);

void comparePool(const MlstmPool& pool, const MlstmPool& init, const std::vector<int32_t>& slots,
                 const std::vector<xref::MlstmHead>& refs, double& errC, double& errN,
                 double& errM, bool& untouchedOk);
void fillNormal(HostArr& a, Rng& rng);
float gatePre(Rng& rng, double mean, double sd);
double tolH(xlstm_dtype in, xlstm_dtype st, bool prefill);
double tolState(xlstm_dtype in, xlstm_dtype st, bool prefill);
