// Float64 CPU reference of the xLSTM recurrences the kernels implement (the step equations of
// DESIGN.md; the chunkwise prefill must equal the step recurrence run token by token).
#pragma once

#include <vector>

namespace xref {

constexpr double kEps = 1e-6;

double softCap(double x, double cap);
double logSigmoid(double x);

// One mLSTM head's state: C [dqk][dv], n [dqk], m.
struct MlstmHead {
  std::vector<double> C, n;
  double m = 0.0;
};

// One step of one head; q, k [dqk], v [dv] (the exact values the kernel saw); h [dv] out.
void mlstmStep(MlstmHead& s, int dqk, int dv, const double* q, const double* k, const double* v,
               double iPre, double fPre, double cap, double* h);

// One sLSTM head's state: h, c, n, m [dh].
struct SlstmHead {
  std::vector<double> h, c, n, m;
};

// One sLSTM step of one head. xPre [4][dh] (i, f, z, o), R [4][dh (k)][dh (j)], bias [4][dh] or
// null; y [dh] out (the new h).
void slstmStep(SlstmHead& s, int dh, const double* xPre, const double* R, const double* bias,
               double* y);

}  // namespace xref
