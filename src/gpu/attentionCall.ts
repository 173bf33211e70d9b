import { checkInt, checkNumber, expected } from '../errors.js';
import type { AttentionNative, NativeAttentionRunOptions } from './AttentionNative.js';
import type { HalfDtype } from './halfBits.js';
import { nativeCall } from './nativeCall.js';

/** Where one layer's K and V live (kernels/attention/attention.h states the byte layouts). */
export type AttentionCacheLayout =
  | {
      layout: 'contiguous';
      /** Bytes per request slot; slot r holds [token][kvHead][headDim]. */
      slotStrideBytes: number;
      /**
       * Bytes from one token's row to the next. vAttention's megacache layout keeps all layers of a
       * token in one row (layers*kvHeads*headDim*2 bytes); pass k/v starting at the layer's offset.
       * @defaultValue kvHeads*headDim*2 (rows packed, one layer per buffer)
       */
      tokenStrideBytes?: number;
      /** Slot of request i; omitted: request i uses slot i. */
      slotOfRequest?: Int32Array;
    }
  | {
      layout: 'paged';
      /** [batch][maxBlocksPerSeq] block numbers into a [block][blockSize][kvHead][headDim] pool. */
      blockTable: Int32Array;
      maxBlocksPerSeq: number;
      /** Power of two in [8, 1024]. */
      blockSizeTokens: number;
    };

/** One attention kernel call on host arrays (for checks; the GPU executor calls the C ABI directly). */
export interface AttentionCallOptions {
  /** CUDA device ordinal. @defaultValue 0 */
  device?: number;
  kind: 'decode' | 'prefill';
  dtype: HalfDtype;
  numQHeads: number;
  numKvHeads: number;
  /** 64 or 128. */
  headDim: number;
  /** @defaultValue 1 / sqrt(headDim) */
  softmaxScale?: number;
  /** decode: [batch][numQHeads][headDim]; prefill: [sum of query lengths][numQHeads][headDim]. */
  q: Uint16Array;
  k: Uint16Array;
  v: Uint16Array;
  /** Tokens of K/V each request attends to (prefill: cached prefix + the new chunk). */
  contextLens: Int32Array;
  cache: AttentionCacheLayout;
  /** decode only: context splits, 0 = the kernel's own choice. @defaultValue 0 */
  numSplits?: number;
  /** prefill only: query offsets per request, length batch + 1, starting at 0. */
  cuSeqlensQ?: Int32Array;
  /** prefill only. @defaultValue true */
  causal?: boolean;
}

const DTYPE_CODE: Record<HalfDtype, 0 | 1> = { f16: 0, bf16: 1 };

/**
 * Validates `o` completely (shapes, lengths, table entries in range) and fills its defaults into the
 * plain options the native binding takes. Throws InvalidOptionError naming the option.
 */
export function resolveAttentionCall(o: AttentionCallOptions): NativeAttentionRunOptions {
  const api = 'attentionCall';
  const device = checkInt(`${api}: device`, o.device ?? 0, 0, 1023);
  if (o.kind !== 'decode' && o.kind !== 'prefill') throw expected("'decode' or 'prefill'", `${api}: kind`, o.kind);
  if (!(o.dtype in DTYPE_CODE)) throw expected("'f16' or 'bf16'", `${api}: dtype`, o.dtype);
  const hq = checkInt(`${api}: numQHeads`, o.numQHeads, 1, 4096);
  const hkv = checkInt(`${api}: numKvHeads`, o.numKvHeads, 1, 4096);
  if (hq % hkv !== 0) throw expected(`a divisor of numQHeads (${hq})`, `${api}: numKvHeads`, hkv);
  if (o.headDim !== 64 && o.headDim !== 128) throw expected('64 or 128', `${api}: headDim`, o.headDim);
  const d = o.headDim;
  const scale = checkNumber(`${api}: softmaxScale`, o.softmaxScale ?? 1 / Math.sqrt(d), Number.MIN_VALUE, 1e30);
  const batch = o.contextLens.length;
  if (batch < 1) throw expected('at least one request', `${api}: contextLens`, batch);
  let maxContextLen = 0;
  for (let i = 0; i < batch; i++) {
    checkInt(`${api}: contextLens[${i}]`, o.contextLens[i], 1, 1 << 30);
    maxContextLen = Math.max(maxContextLen, o.contextLens[i]);
  }
  const rowElems = hkv * d;
  let queryRows = batch;
  let maxQueryLen = 1;
  if (o.kind === 'prefill') {
    const cu = o.cuSeqlensQ;
    if (!cu || cu.length !== batch + 1 || cu[0] !== 0) {
      throw expected(`an Int32Array of ${batch + 1} offsets starting at 0`, `${api}: cuSeqlensQ`, cu?.length);
    }
    for (let i = 0; i < batch; i++) {
      const len = cu[i + 1] - cu[i];
      if (len < 1 || len > o.contextLens[i]) {
        throw expected(`a query length in [1, contextLens[${i}] = ${o.contextLens[i]}]`, `${api}: cuSeqlensQ[${i + 1}] - cuSeqlensQ[${i}]`, len);
      }
      maxQueryLen = Math.max(maxQueryLen, len);
    }
    queryRows = cu[batch];
  }
  if (o.q.length !== queryRows * hq * d) throw expected(`${queryRows * hq * d} elements`, `${api}: q`, o.q.length);
  if (o.k.length !== o.v.length) throw expected(`as many elements as k (${o.k.length})`, `${api}: v`, o.v.length);

  const base = {
    device,
    kind: o.kind,
    dtype: DTYPE_CODE[o.dtype],
    numQHeads: hq,
    numKvHeads: hkv,
    headDim: d,
    softmaxScale: scale,
    q: o.q,
    k: o.k,
    v: o.v,
    contextLens: o.contextLens,
    maxContextLen,
    numSplits: o.kind === 'decode' ? checkInt(`${api}: numSplits`, o.numSplits ?? 0, 0, 1 << 16) : 0,
    cuSeqlensQ: o.cuSeqlensQ,
    maxQueryLen,
    causal: o.causal ?? true,
  };
  const c = o.cache;
  if (c.layout === 'contiguous') {
    const tokenStride = checkInt(`${api}: cache.tokenStrideBytes`, c.tokenStrideBytes ?? rowElems * 2, rowElems * 2);
    if (tokenStride % 16 !== 0) throw expected('a multiple of 16 bytes', `${api}: cache.tokenStrideBytes`, tokenStride);
    const stride = checkInt(`${api}: cache.slotStrideBytes`, c.slotStrideBytes, (maxContextLen - 1) * tokenStride + rowElems * 2);
    if (stride % 16 !== 0) throw expected('a multiple of 16 bytes', `${api}: cache.slotStrideBytes`, stride);
    const slots = Math.floor((o.k.length * 2) / stride);
    if (c.slotOfRequest && c.slotOfRequest.length !== batch) {
      throw expected(`${batch} slots`, `${api}: cache.slotOfRequest`, c.slotOfRequest.length);
    }
    for (let i = 0; i < batch; i++) {
      const s = c.slotOfRequest ? c.slotOfRequest[i] : i;
      // The last slot may be cut short: it only needs the request's tokens.
      const endByte = s * stride + (o.contextLens[i] - 1) * tokenStride + rowElems * 2;
      if (s < 0 || endByte > o.k.length * 2) throw expected(`a slot whose tokens lie inside k (${slots} slots)`, `${api}: slot of request ${i}`, s);
    }
    return { ...base, layout: 0, slotStrideBytes: stride, tokenStrideBytes: c.tokenStrideBytes === undefined ? 0 : tokenStride, slotOfRequest: c.slotOfRequest, maxBlocksPerSeq: 0, blockSizeTokens: 0 };
  }
  if (c.layout !== 'paged') throw expected("'contiguous' or 'paged'", `${api}: cache.layout`, (c as { layout: unknown }).layout);
  const bs = c.blockSizeTokens;
  if (!Number.isInteger(bs) || bs < 8 || bs > 1024 || (bs & (bs - 1)) !== 0) {
    throw expected('a power of two in [8, 1024]', `${api}: cache.blockSizeTokens`, bs);
  }
  const perSeq = checkInt(`${api}: cache.maxBlocksPerSeq`, c.maxBlocksPerSeq, Math.ceil(maxContextLen / bs));
  if (c.blockTable.length !== batch * perSeq) throw expected(`${batch * perSeq} entries`, `${api}: cache.blockTable`, c.blockTable.length);
  const numBlocks = Math.floor(o.k.length / (bs * rowElems));
  for (let i = 0; i < batch; i++) {
    for (let j = 0; j * bs < o.contextLens[i]; j++) {
      const b = c.blockTable[i * perSeq + j];
      if (!Number.isInteger(b) || b < 0 || b >= numBlocks) {
        throw expected(`a block number in [0, ${numBlocks})`, `${api}: cache.blockTable[${i * perSeq + j}]`, b);
      }
    }
  }
  return { ...base, layout: 1, slotStrideBytes: 0, tokenStrideBytes: 0, blockTable: c.blockTable, maxBlocksPerSeq: perSeq, blockSizeTokens: bs };
}

/** Validates, runs one kernel call on the GPU and returns the output's bits (same shape as q). */
export function runAttention(native: AttentionNative, options: AttentionCallOptions): Uint16Array {
  const resolved = resolveAttentionCall(options);
  return nativeCall(() => native.attentionRun(resolved));
}
