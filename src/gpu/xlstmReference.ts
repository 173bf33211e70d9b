/**
 * Float64 reference of the xLSTM recurrences the GPU kernels implement (DESIGN.md's step
 * equations; the chunkwise prefill must equal the step run token by token).
 */

/** The normalizer's epsilon: part of the function, so kernels and reference share it. */
export const XLSTM_NORM_EPS = 1e-6;

export function softCap(x: number, cap: number): number {
  return cap > 0 ? cap * Math.tanh(x / cap) : x;
}

export function logSigmoid(x: number): number {
  return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
}

/** One mLSTM head's state: C [dqk][dv], n [dqk], m. */
export interface MlstmHeadState {
  C: Float64Array;
  n: Float64Array;
  m: number;
}

/** One mLSTM step of one head, in place; returns h [dv]. */
export function mlstmStepReference(
  s: MlstmHeadState,
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  iPre: number,
  fPre: number,
  cap: number,
): Float64Array {
  const dqk = s.n.length;
  const dv = v.length;
  const ip = softCap(iPre, cap);
  const logF = logSigmoid(softCap(fPre, cap));
  const mNew = Math.max(logF + s.m, ip);
  const fAct = Math.exp(logF + s.m - mNew);
  const iAct = Math.exp(ip - mNew);
  const scale = 1 / Math.sqrt(dqk);
  const h = new Float64Array(dv);
  let qn = 0;
  for (let i = 0; i < dqk; i++) {
    const qi = q[i] * scale;
    const ki = iAct * k[i];
    const row = i * dv;
    for (let j = 0; j < dv; j++) {
      const c = fAct * s.C[row + j] + ki * v[j];
      s.C[row + j] = c;
      h[j] += qi * c;
    }
    s.n[i] = fAct * s.n[i] + ki;
    qn += qi * s.n[i];
  }
  const denom = Math.max(Math.abs(qn), Math.exp(-mNew)) + XLSTM_NORM_EPS;
  for (let j = 0; j < dv; j++) h[j] /= denom;
  s.m = mNew;
  return h;
}

/** One sLSTM head's state, each [headDim]. */
export interface SlstmHeadState {
  h: Float64Array;
  c: Float64Array;
  n: Float64Array;
  m: Float64Array;
}

/**
 * One sLSTM step of one head, in place; returns the new h. raw [4][dh] holds x-projection + bias
 * for gates i, f, z, o; R(g, k, j) reads the recurrent weight of gate g from input k to output j.
 */
export function slstmStepReference(s: SlstmHeadState, raw: Float64Array, R: (g: number, k: number, j: number) => number): Float64Array {
  const dh = s.h.length;
  const pre = Float64Array.from(raw);
  for (let g = 0; g < 4; g++) {
    for (let j = 0; j < dh; j++) {
      let acc = 0;
      for (let k = 0; k < dh; k++) acc += s.h[k] * R(g, k, j);
      pre[g * dh + j] += acc;
    }
  }
  const out = new Float64Array(dh);
  for (let j = 0; j < dh; j++) {
    const logFm = s.m[j] + logSigmoid(pre[dh + j]);
    const mNew = Math.max(pre[j], logFm);
    const iAct = Math.exp(pre[j] - mNew);
    const fAct = Math.exp(logFm - mNew);
    s.c[j] = fAct * s.c[j] + iAct * Math.tanh(pre[2 * dh + j]);
    s.n[j] = fAct * s.n[j] + iAct;
    s.m[j] = mNew;
    out[j] = (1 / (1 + Math.exp(-pre[3 * dh + j]))) * (s.c[j] / s.n[j]);
  }
  s.h.set(out);
  return out;
}

/** ‖out − ref‖ / ‖ref‖, Infinity when out has a non-finite value where ref is finite. */
export function xlstmRelativeError(out: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    if (!Number.isFinite(out[i]) && Number.isFinite(ref[i])) return Infinity;
    num += (out[i] - ref[i]) ** 2;
    den += ref[i] ** 2;
  }
  return den > 0 ? Math.sqrt(num / den) : Math.sqrt(num);
}
