#include "reference.h"

#include <algorithm>
#include <cmath>

namespace xref {

double softCap(double x, double cap) { return cap > 0 ? cap * std::tanh(x / cap) : x; }

double logSigmoid(double x) { return std::min(x, 0.0) - std::log1p(std::exp(-std::fabs(x))); }

void mlstmStep(MlstmHead& s, int dqk, int dv, const double* q, const double* k, const double* v,
               double iPre, double fPre, double cap, double* h) {
  const double ip = softCap(iPre, cap);
  const double logF = logSigmoid(softCap(fPre, cap));
  const double mNew = std::max(logF + s.m, ip);
  const double fAct = std::exp(logF + s.m - mNew);
  const double iAct = std::exp(ip - mNew);
  const double scale = 1.0 / std::sqrt((double)dqk);
  double qn = 0.0;
  for (int j = 0; j < dv; ++j) h[j] = 0.0;
  for (int i = 0; i < dqk; ++i) {
    const double qi = q[i] * scale;
    double* row = &s.C[(size_t)i * dv];
    for (int j = 0; j < dv; ++j) {
      row[j] = fAct * row[j] + iAct * k[i] * v[j];
      h[j] += qi * row[j];
    }
    s.n[i] = fAct * s.n[i] + iAct * k[i];
    qn += qi * s.n[i];
  }
  const double denom = std::max(std::fabs(qn), std::exp(-mNew)) + kEps;
  for (int j = 0; j < dv; ++j) h[j] /= denom;
  s.m = mNew;
}

void slstmStep(SlstmHead& s, int dh, const double* xPre, const double* R, const double* bias,
               double* y) {
  std::vector<double> raw(4 * (size_t)dh);
  for (int g = 0; g < 4; ++g)
    for (int j = 0; j < dh; ++j) {
      double v = xPre[g * dh + j] + (bias ? bias[g * dh + j] : 0.0);
      for (int k = 0; k < dh; ++k) v += s.h[k] * R[((size_t)g * dh + k) * dh + j];
      raw[(size_t)g * dh + j] = v;
    }
  for (int j = 0; j < dh; ++j) {
    const double ir = raw[j], fr = raw[dh + j], zr = raw[2 * dh + j], orr = raw[3 * dh + j];
    const double logFm = s.m[j] + logSigmoid(fr);
    const double mNew = std::max(ir, logFm);
    const double iAct = std::exp(ir - mNew), fAct = std::exp(logFm - mNew);
    s.c[j] = fAct * s.c[j] + iAct * std::tanh(zr);
    s.n[j] = fAct * s.n[j] + iAct;
    s.m[j] = mNew;
    y[j] = (1.0 / (1.0 + std::exp(-orr))) * s.c[j] / s.n[j];
  }
  for (int j = 0; j < dh; ++j) s.h[j] = y[j];
}

}  // namespace xref
