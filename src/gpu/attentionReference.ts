/**
 * Float64 reference attention over logical (unpaged) K/V: request r's keys are
 * k[r][token][kvHead][headDim]. Query row i of a request sits at absolute position
 * `contextLen - queryLen + i` and, when causal, sees keys at positions <= its own.
 * Returns [rows][numQHeads][headDim] for the rows of `q` ([rows][numQHeads][headDim]).
 */
export function referenceAttention(args: {
  q: Float64Array;
  k: Float64Array[];
  v: Float64Array[];
  contextLens: ArrayLike<number>;
  /** Query rows per request (decode: all 1). */
  queryLens: ArrayLike<number>;
  numQHeads: number;
  numKvHeads: number;
  headDim: number;
  softmaxScale: number;
  causal: boolean;
}): Float64Array {
  const { q, numQHeads: hq, numKvHeads: hkv, headDim: d, softmaxScale: scale } = args;
  const group = hq / hkv;
  const out = new Float64Array(q.length);
  let row = 0;
  for (let r = 0; r < args.contextLens.length; r++) {
    const ctx = args.contextLens[r];
    const qLen = args.queryLens[r];
    const k = args.k[r];
    const v = args.v[r];
    const scores = new Float64Array(ctx);
    for (let i = 0; i < qLen; i++, row++) {
      const last = args.causal ? Math.min(ctx - 1, ctx - qLen + i) : ctx - 1;
      for (let h = 0; h < hq; h++) {
        const kh = Math.floor(h / group);
        const qo = (row * hq + h) * d;
        let max = Number.NEGATIVE_INFINITY;
        for (let t = 0; t <= last; t++) {
          const ko = (t * hkv + kh) * d;
          let s = 0;
          for (let j = 0; j < d; j++) s += q[qo + j] * k[ko + j];
          scores[t] = s * scale;
          if (scores[t] > max) max = scores[t];
        }
        let sum = 0;
        for (let t = 0; t <= last; t++) sum += scores[t] = Math.exp(scores[t] - max);
        for (let t = 0; t <= last; t++) {
          const w = scores[t] / sum;
          const vo = (t * hkv + kh) * d;
          for (let j = 0; j < d; j++) out[qo + j] += w * v[vo + j];
        }
      }
    }
  }
  return out;
}

/** ‖out − ref‖ / ‖ref‖; NaN when any output is not finite (e.g. an unwritten, NaN-poisoned element). */
export function relativeError(out: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    if (!Number.isFinite(out[i])) return Number.NaN;
    num += (out[i] - ref[i]) ** 2;
    den += ref[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, Number.MIN_VALUE));
}
