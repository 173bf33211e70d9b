import seedrandom from 'seedrandom';
import type { AttentionCallOptions } from '../../../src/gpu/attentionCall.js';
import { referenceAttention } from '../../../src/gpu/attentionReference.js';
import { fromHalfBits, type HalfDtype, toHalfBits } from '../../../src/gpu/halfBits.js';

/**
 * One attention call over vAttention's megacache layout (vattention.cu alloc_virtual_tensor: one K and
 * one V tensor [slot][token][layer][Hkv][D]) and the float64 reference for the layer it reads.
 */
export interface MegacacheCase {
  kind: 'decode' | 'prefill';
  dtype: HalfDtype;
  headDim: 64 | 128;
  numQHeads: number;
  numKvHeads: number;
  layers: number;
  /** The layer the kernel reads. */
  layer: number;
  contextLens: number[];
  /** prefill: new query tokens per request. */
  queryLens?: number[];
}

export interface MegacacheCall {
  /** The call: k/v start at the layer's offset inside the first token row (as GpuExecutor passes kBase[l]). */
  call: AttentionCallOptions;
  /** The whole buffers, [slot][token][layer][Hkv][D] bits; `call.k` is a view into `k`. */
  k: Uint16Array;
  v: Uint16Array;
  /** Element index of (slot, token, layer, head, 0) in the whole buffer. */
  indexOf: (slot: number, token: number, layer: number, head: number) => number;
  reference: Float64Array;
  slotOfRequest: Int32Array;
  tokenStrideBytes: number;
  slotStrideBytes: number;
}

/**
 * Fresh random K/V for every layer (so reading another layer's rows gives wrong numbers, not NaN),
 * NaN in every token row beyond a request's context and in the spare slot, requests in shuffled slots.
 */
export function megacacheCase(c: MegacacheCase, seed: string): MegacacheCall {
  const rng = seedrandom(`${seed}:megacache:${JSON.stringify(c)}`);
  const { headDim: d, numQHeads: hq, numKvHeads: hkv, layers: L, layer, dtype } = c;
  const rowElems = hkv * d;
  const tokenElems = L * rowElems;
  const ctx = c.contextLens;
  const batch = ctx.length;
  const maxCtx = Math.max(...ctx);
  // Slot stride a multiple of 128 elements (256 B), as the arena's 2 MiB pages are.
  const slotElems = Math.ceil((maxCtx * tokenElems) / 128) * 128;
  const slots = batch + 1;
  const order = Array.from({ length: slots }, (_, i) => i);
  for (let i = slots - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const slotOfRequest = Int32Array.from(order.slice(0, batch));
  const k = new Uint16Array(slotElems * slots).fill(0xffff);
  const v = new Uint16Array(slotElems * slots).fill(0xffff);
  const indexOf = (slot: number, token: number, l: number, head: number): number => slot * slotElems + token * tokenElems + l * rowElems + head * d;
  const gauss = (): number => Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-300))) * Math.cos(2 * Math.PI * rng());
  const kLayer: Float64Array[] = [];
  const vLayer: Float64Array[] = [];
  for (let r = 0; r < batch; r++) {
    const kl = new Float64Array(ctx[r] * rowElems);
    const vl = new Float64Array(ctx[r] * rowElems);
    for (let t = 0; t < ctx[r]; t++) {
      for (let l = 0; l < L; l++) {
        const at = indexOf(slotOfRequest[r], t, l, 0);
        for (let e = 0; e < rowElems; e++) {
          k[at + e] = toHalfBits(gauss(), dtype);
          v[at + e] = toHalfBits(gauss(), dtype);
          if (l === layer) {
            kl[t * rowElems + e] = fromHalfBits(k[at + e], dtype);
            vl[t * rowElems + e] = fromHalfBits(v[at + e], dtype);
          }
        }
      }
    }
    kLayer.push(kl);
    vLayer.push(vl);
  }
  const qLens = c.kind === 'decode' ? ctx.map(() => 1) : (c.queryLens ?? ctx);
  const rows = qLens.reduce((s, n) => s + n, 0);
  const qBits = new Uint16Array(rows * hq * d);
  const qVals = new Float64Array(qBits.length);
  for (let i = 0; i < qBits.length; i++) {
    qBits[i] = toHalfBits(gauss(), dtype);
    qVals[i] = fromHalfBits(qBits[i], dtype);
  }
  const scale = 1 / Math.sqrt(d);
  const reference = referenceAttention({ q: qVals, k: kLayer, v: vLayer, contextLens: ctx, queryLens: qLens, numQHeads: hq, numKvHeads: hkv, headDim: d, softmaxScale: scale, causal: c.kind === 'prefill' });
  const cu = new Int32Array(batch + 1);
  qLens.forEach((n, i) => (cu[i + 1] = cu[i] + n));
  const tokenStrideBytes = tokenElems * 2;
  const slotStrideBytes = slotElems * 2;
  const off = layer * rowElems;
  return {
    call: {
      kind: c.kind,
      dtype,
      numQHeads: hq,
      numKvHeads: hkv,
      headDim: d,
      softmaxScale: scale,
      q: qBits,
      k: k.subarray(off),
      v: v.subarray(off),
      contextLens: Int32Array.from(ctx),
      cache: { layout: 'contiguous', slotStrideBytes, tokenStrideBytes, slotOfRequest },
      cuSeqlensQ: c.kind === 'prefill' ? cu : undefined,
      causal: true,
    },
    k,
    v,
    indexOf,
    reference,
    slotOfRequest,
    tokenStrideBytes,
    slotStrideBytes,
  };
}
