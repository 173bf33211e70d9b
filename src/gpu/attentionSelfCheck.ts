import seedrandom from 'seedrandom';
import type { AttentionNative } from './AttentionNative.js';
import { type AttentionCacheLayout, runAttention } from './attentionCall.js';
import { referenceAttention, relativeError } from './attentionReference.js';
import { fromHalfBits, type HalfDtype, toHalfBits } from './halfBits.js';

/** One correctness case: fresh random inputs, the kernel against the float64 reference. */
export interface AttentionCheckCase {
  kind: 'decode' | 'prefill';
  dtype: HalfDtype;
  headDim: 64 | 128;
  numQHeads: number;
  numKvHeads: number;
  contextLens: number[];
  /** prefill: new query tokens per request (the rest of the context is the cached prefix). */
  queryLens?: number[];
  layout: 'contiguous' | 'paged';
  blockSizeTokens?: number;
  numSplits?: number;
  causal?: boolean;
}

export interface AttentionCheckResult {
  name: string;
  relativeError: number;
  tolerance: number;
  pass: boolean;
}

/** ‖out − ref‖ / ‖ref‖ bounds: fp16 keeps 11 significant bits, bf16 8. */
export const ATTENTION_TOLERANCE: Record<HalfDtype, number> = { f16: 1e-3, bf16: 1e-2 };

/** Ragged batches, contexts off the tile/block sizes, one-token contexts, chunked prefill. */
export const DEFAULT_ATTENTION_CHECKS: AttentionCheckCase[] = [
  { kind: 'decode', dtype: 'f16', headDim: 128, numQHeads: 32, numKvHeads: 8, contextLens: [1, 65, 300, 1000], layout: 'contiguous' },
  { kind: 'decode', dtype: 'f16', headDim: 128, numQHeads: 32, numKvHeads: 8, contextLens: [1, 65, 300, 1000], layout: 'contiguous', numSplits: 3 },
  { kind: 'decode', dtype: 'bf16', headDim: 128, numQHeads: 32, numKvHeads: 8, contextLens: [7, 129, 777], layout: 'paged', blockSizeTokens: 16 },
  { kind: 'decode', dtype: 'f16', headDim: 64, numQHeads: 8, numKvHeads: 8, contextLens: [2, 513], layout: 'paged', blockSizeTokens: 256 },
  { kind: 'prefill', dtype: 'f16', headDim: 128, numQHeads: 8, numKvHeads: 2, contextLens: [1, 200, 330], queryLens: [1, 200, 130], layout: 'contiguous' },
  { kind: 'prefill', dtype: 'bf16', headDim: 64, numQHeads: 8, numKvHeads: 4, contextLens: [150, 97], queryLens: [150, 33], layout: 'paged', blockSizeTokens: 32 },
];

function caseName(c: AttentionCheckCase): string {
  const layout = c.layout === 'paged' ? `paged-bs${c.blockSizeTokens ?? 16}` : 'contig';
  const q = c.queryLens ? ` q=[${c.queryLens.join(',')}]` : '';
  const splits = c.numSplits ? ` splits=${c.numSplits}` : '';
  return `${c.kind} ${layout} ${c.dtype} D${c.headDim} Hq${c.numQHeads} Hkv${c.numKvHeads} ctx=[${c.contextLens.join(',')}]${q}${splits}`;
}

/** Random bits of `dtype` and their exact values (what the float64 reference sees). */
function randomHalf(n: number, dtype: HalfDtype, rng: () => number): { bits: Uint16Array; vals: Float64Array } {
  const bits = new Uint16Array(n);
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = Math.sqrt(-2 * Math.log(Math.max(rng(), 1e-300))) * Math.cos(2 * Math.PI * rng());
    bits[i] = toHalfBits(g, dtype);
    vals[i] = fromHalfBits(bits[i], dtype);
  }
  return { bits, vals };
}

function shuffled(n: number, rng: () => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/**
 * Lays logical per-request K/V ([ctx][kvHead][headDim] bits) out as the kernels read them: arena slots
 * in a shuffled order with a spare slot, or a shuffled paged pool with spare blocks. Every byte no
 * request owns is NaN, so a kernel that reads past a context or through a wrong block fails the check.
 */
function layOut(
  kBits: Uint16Array[],
  vBits: Uint16Array[],
  ctx: number[],
  rowElems: number,
  c: AttentionCheckCase,
  rng: () => number,
): { k: Uint16Array; v: Uint16Array; cache: AttentionCacheLayout } {
  const batch = ctx.length;
  if (c.layout === 'contiguous') {
    const strideElems = Math.ceil((Math.max(...ctx) * rowElems) / 128) * 128;
    const order = shuffled(batch + 1, rng);
    const k = new Uint16Array(strideElems * (batch + 1)).fill(0xffff);
    const v = new Uint16Array(strideElems * (batch + 1)).fill(0xffff);
    const slotOfRequest = new Int32Array(batch);
    for (let i = 0; i < batch; i++) {
      slotOfRequest[i] = order[i];
      k.set(kBits[i], order[i] * strideElems);
      v.set(vBits[i], order[i] * strideElems);
    }
    return { k, v, cache: { layout: 'contiguous', slotStrideBytes: strideElems * 2, slotOfRequest } };
  }
  const bs = c.blockSizeTokens ?? 16;
  const perSeq = Math.max(...ctx.map((n) => Math.ceil(n / bs)));
  const used = ctx.reduce((s, n) => s + Math.ceil(n / bs), 0);
  const numBlocks = used + 2;
  const order = shuffled(numBlocks, rng);
  const blockElems = bs * rowElems;
  const k = new Uint16Array(blockElems * numBlocks).fill(0xffff);
  const v = new Uint16Array(blockElems * numBlocks).fill(0xffff);
  const blockTable = new Int32Array(batch * perSeq).fill(-1);
  let next = 0;
  for (let i = 0; i < batch; i++) {
    for (let j = 0; j * bs < ctx[i]; j++) {
      const blk = order[next++];
      blockTable[i * perSeq + j] = blk;
      const end = Math.min(ctx[i], (j + 1) * bs) * rowElems;
      k.set(kBits[i].subarray(j * blockElems, end), blk * blockElems);
      v.set(vBits[i].subarray(j * blockElems, end), blk * blockElems);
    }
  }
  return { k, v, cache: { layout: 'paged', blockTable, maxBlocksPerSeq: perSeq, blockSizeTokens: bs } };
}

/**
 * Runs one case on the GPU and compares it with the float64 reference. `tamper` may corrupt the
 * device layout before the run (tests use it to show that a wrong block table or slot fails).
 */
export function checkAttentionCase(
  native: AttentionNative,
  c: AttentionCheckCase,
  seed: string,
  device = 0,
  tamper?: (cache: AttentionCacheLayout) => void,
): AttentionCheckResult {
  const rng = seedrandom(`${seed}:${caseName(c)}`);
  const { headDim: d, numQHeads: hq, numKvHeads: hkv, dtype } = c;
  const rowElems = hkv * d;
  const ctx = c.contextLens;
  const qLens = c.kind === 'decode' ? ctx.map(() => 1) : (c.queryLens ?? ctx);
  const kv = ctx.map((n) => ({ k: randomHalf(n * rowElems, dtype, rng), v: randomHalf(n * rowElems, dtype, rng) }));
  const rows = qLens.reduce((s, n) => s + n, 0);
  const q = randomHalf(rows * hq * d, dtype, rng);
  const scale = 1 / Math.sqrt(d);
  const causal = c.causal ?? true;
  const ref = referenceAttention({
    q: q.vals,
    k: kv.map((x) => x.k.vals),
    v: kv.map((x) => x.v.vals),
    contextLens: ctx,
    queryLens: qLens,
    numQHeads: hq,
    numKvHeads: hkv,
    headDim: d,
    softmaxScale: scale,
    causal: c.kind === 'decode' ? false : causal,
  });
  const laid = layOut(kv.map((x) => x.k.bits), kv.map((x) => x.v.bits), ctx, rowElems, c, rng);
  tamper?.(laid.cache);
  const cu = new Int32Array(qLens.length + 1);
  qLens.forEach((n, i) => (cu[i + 1] = cu[i] + n));
  const outBits = runAttention(native, {
    device,
    kind: c.kind,
    dtype,
    numQHeads: hq,
    numKvHeads: hkv,
    headDim: d,
    softmaxScale: scale,
    q: q.bits,
    k: laid.k,
    v: laid.v,
    contextLens: Int32Array.from(ctx),
    cache: laid.cache,
    numSplits: c.numSplits ?? 0,
    cuSeqlensQ: c.kind === 'prefill' ? cu : undefined,
    causal,
  });
  const out = Float64Array.from(outBits, (b) => fromHalfBits(b, dtype));
  const err = relativeError(out, ref);
  const tolerance = ATTENTION_TOLERANCE[dtype];
  return { name: caseName(c), relativeError: err, tolerance, pass: err <= tolerance };
}

/** Every case of `cases` (default {@link DEFAULT_ATTENTION_CHECKS}) with fresh inputs drawn from `seed`. */
export function attentionSelfCheck(
  native: AttentionNative,
  options: { seed?: string; device?: number; cases?: AttentionCheckCase[] } = {},
): AttentionCheckResult[] {
  const seed = options.seed ?? String(Date.now());
  return (options.cases ?? DEFAULT_ATTENTION_CHECKS).map((c) => checkAttentionCase(native, c, seed, options.device ?? 0));
}
