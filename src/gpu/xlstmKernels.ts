import { checkInt, checkNumber, expected } from '../errors.js';
import type { HalfDtype } from './halfBits.js';
import { nativeCall } from './nativeCall.js';
import type { NativeXlstmRunOptions, XlstmNative } from './XlstmNative.js';

/**
 * mLSTM prefill kernel (kernels/xlstm/xlstm.h): 'sequential' walks each request's sequence in one
 * block per state tile; 'tfla' is chunk-parallel (per-chunk states, an inter-chunk scan, outputs;
 * same function, same stabilizer); 'auto' lets the C ABI choose (today: sequential).
 */
export type MlstmPrefillAlgorithm = 'auto' | 'sequential' | 'tfla';
const ALGORITHM_CODE: Record<MlstmPrefillAlgorithm, 0 | 1 | 2> = { auto: 0, sequential: 1, tfla: 2 };

/** The native code of `algorithm`, or an error naming `option`: the value must be one of the three. */
export function mlstmPrefillAlgorithmCode(option: string, algorithm: unknown): 0 | 1 | 2 {
  const a = algorithm ?? 'auto';
  if (typeof a !== 'string' || !Object.hasOwn(ALGORITHM_CODE, a)) throw expected("'auto', 'sequential' or 'tfla'", option, algorithm);
  return ALGORITHM_CODE[a as MlstmPrefillAlgorithm];
}

/** Element type of a recurrent state pool: fp32 (Float32Array) or bf16 bits (Uint16Array). */
export type XlstmStateDtype = 'f32' | 'bf16';
export type StateArray = Float32Array | Uint16Array;

/** One layer's mLSTM state pool: C [slot][head][dqk][dv], n [slot][head][dqk], m [slot][head]. */
export interface MlstmStatePool {
  C: StateArray;
  n: StateArray;
  m: Float32Array;
}

/** One layer's sLSTM state pool: h, c, n, m, each [slot][head][headDim] (m always fp32). */
export interface SlstmStatePool {
  h: StateArray;
  c: StateArray;
  n: StateArray;
  m: Float32Array;
}

/** One mLSTM decode step or chunkwise prefill on host arrays (checks; the executor calls the C ABI). */
export interface MlstmCallOptions {
  /** CUDA device ordinal. @defaultValue 0 */
  device?: number;
  kind: 'mlstmStep' | 'mlstmPrefill';
  inputDtype: HalfDtype;
  stateDtype: XlstmStateDtype;
  heads: number;
  dqk: number;
  dv: number;
  /** Tokens per request (a step takes 1). @defaultValue 1 */
  seqLen?: number;
  /** [batch][seqLen][heads][dqk] bits. */
  q: Uint16Array;
  k: Uint16Array;
  /** [batch][seqLen][heads][dv] bits. */
  v: Uint16Array;
  /** [batch][seqLen][heads]. */
  igatePre: Float32Array;
  fgatePre: Float32Array;
  /** State slot of each request (distinct, inside the pool); its length is the batch. */
  slots: Int32Array;
  /** Soft cap of both gate pre-activations, cap*tanh(x/cap); 0 disables. @defaultValue 15 (xLSTM-7B) */
  gateSoftCap?: number;
  /** Prefill kernel (a step takes only 'auto'). @defaultValue 'auto' */
  algorithm?: MlstmPrefillAlgorithm;
  /** Updated in place. */
  state: MlstmStatePool;
}

/** One sLSTM step on host arrays. Gate order i, f, z, o. */
export interface SlstmCallOptions {
  /** CUDA device ordinal. @defaultValue 0 */
  device?: number;
  inputDtype: HalfDtype;
  stateDtype: XlstmStateDtype;
  heads: number;
  /** A multiple of 8. */
  headDim: number;
  /** [batch][4][heads][headDim] bits: the input projections W x_t. */
  xPre: Uint16Array;
  /** [heads][4][headDim (k)][headDim (j)] bits: block-diagonal recurrent weights. */
  R: Uint16Array;
  /** [4][heads][headDim]; omitted: no bias. */
  bias?: Float32Array;
  slots: Int32Array;
  /** Updated in place. */
  state: SlstmStatePool;
}

const INPUT_CODE: Record<HalfDtype, 1 | 2> = { bf16: 1, f16: 2 };
const STATE_CODE: Record<XlstmStateDtype, 0 | 1> = { f32: 0, bf16: 1 };

function checkLength(api: string, name: string, a: { length: number } | undefined, n: number): void {
  if (!a || a.length !== n) throw expected(`${n} elements`, `${api}: ${name}`, a?.length);
}

function checkStateArray(api: string, name: string, a: StateArray, dtype: XlstmStateDtype, n: number): void {
  const ok = dtype === 'f32' ? a instanceof Float32Array : a instanceof Uint16Array;
  if (!ok) throw expected(dtype === 'f32' ? 'a Float32Array (fp32 state)' : 'a Uint16Array (bf16 state bits)', `${api}: ${name}`, a?.constructor?.name);
  checkLength(api, name, a, n);
}

/** Slots must lie in the pool and be distinct: two requests on one slot would race in the kernel. */
function checkSlots(api: string, slots: Int32Array, numSlots: number): number {
  if (!(slots instanceof Int32Array) || slots.length < 1) throw expected('an Int32Array of at least one slot', `${api}: slots`, slots?.length);
  const seen = new Set<number>();
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    if (s < 0 || s >= numSlots) throw expected(`a slot in [0, ${numSlots})`, `${api}: slots[${i}]`, s);
    if (seen.has(s)) throw expected('distinct slots (one request per slot)', `${api}: slots[${i}]`, s);
    seen.add(s);
  }
  return slots.length;
}

function checkDtypes(api: string, inputDtype: HalfDtype, stateDtype: XlstmStateDtype): void {
  if (!(inputDtype in INPUT_CODE)) throw expected("'bf16' or 'f16'", `${api}: inputDtype`, inputDtype);
  if (!(stateDtype in STATE_CODE)) throw expected("'f32' or 'bf16'", `${api}: stateDtype`, stateDtype);
}

/** Validates `o` against the kernel limits of kernels/xlstm/xlstm.h and fills the native options. */
export function resolveMlstmCall(o: MlstmCallOptions): NativeXlstmRunOptions {
  const api = 'mlstmCall';
  if (o.kind !== 'mlstmStep' && o.kind !== 'mlstmPrefill') throw expected("'mlstmStep' or 'mlstmPrefill'", `${api}: kind`, o.kind);
  checkDtypes(api, o.inputDtype, o.stateDtype);
  const device = checkInt(`${api}: device`, o.device ?? 0, 0, 1023);
  const heads = checkInt(`${api}: heads`, o.heads, 1, 65535);
  const step = o.kind === 'mlstmStep';
  const dqk = checkInt(`${api}: dqk`, o.dqk, step ? 1 : 16, step ? 2048 : 256);
  const dv = checkInt(`${api}: dv`, o.dv, step ? 8 : 16, step ? (o.stateDtype === 'f32' ? 512 : 1024) : 512);
  if (!step && dqk % 16 !== 0) throw expected('a multiple of 16 (tensor-core tiles)', `${api}: dqk`, dqk);
  if (dv % (step ? 8 : 16) !== 0) throw expected(`a multiple of ${step ? 8 : 16}`, `${api}: dv`, dv);
  const seqLen = step ? 1 : checkInt(`${api}: seqLen`, o.seqLen ?? 1, 1, 1 << 24);
  if (step && o.seqLen !== undefined && o.seqLen !== 1) throw expected('1 for a step', `${api}: seqLen`, o.seqLen);
  const cap = checkNumber(`${api}: gateSoftCap`, o.gateSoftCap ?? 15, 0, 1e6);
  const algorithm = mlstmPrefillAlgorithmCode(`${api}: algorithm`, o.algorithm);
  if (step && algorithm !== 0) throw expected("'auto' for a step (algorithms are prefill kernels)", `${api}: algorithm`, o.algorithm);
  const m = o.state?.m;
  if (!(m instanceof Float32Array) || m.length < heads || m.length % heads !== 0) {
    throw expected(`a Float32Array of numSlots * heads (${heads}) elements`, `${api}: state.m`, m?.length);
  }
  const numSlots = m.length / heads;
  checkStateArray(api, 'state.C', o.state.C, o.stateDtype, numSlots * heads * dqk * dv);
  checkStateArray(api, 'state.n', o.state.n, o.stateDtype, numSlots * heads * dqk);
  const batch = checkSlots(api, o.slots, numSlots);
  const tok = batch * seqLen * heads;
  checkLength(api, 'q', o.q, tok * dqk);
  checkLength(api, 'k', o.k, tok * dqk);
  checkLength(api, 'v', o.v, tok * dv);
  checkLength(api, 'igatePre', o.igatePre, tok);
  checkLength(api, 'fgatePre', o.fgatePre, tok);
  return {
    device, kind: o.kind, inputDtype: INPUT_CODE[o.inputDtype], stateDtype: STATE_CODE[o.stateDtype],
    batch, seqLen, heads, dqk, dv, headDim: 0, numSlots, gateSoftCap: cap, algorithm, slots: o.slots,
    q: o.q, k: o.k, v: o.v, igatePre: o.igatePre, fgatePre: o.fgatePre, C: o.state.C, n: o.state.n, m,
  };
}

/** Validates `o` against the kernel limits and fills the native options. */
export function resolveSlstmCall(o: SlstmCallOptions): NativeXlstmRunOptions {
  const api = 'slstmCall';
  checkDtypes(api, o.inputDtype, o.stateDtype);
  const device = checkInt(`${api}: device`, o.device ?? 0, 0, 1023);
  const heads = checkInt(`${api}: heads`, o.heads, 1, 65535);
  const dh = checkInt(`${api}: headDim`, o.headDim, 8, 32768);
  if (dh % 8 !== 0) throw expected('a multiple of 8 (16-byte weight rows)', `${api}: headDim`, dh);
  const m = o.state?.m;
  const per = heads * dh;
  if (!(m instanceof Float32Array) || m.length < per || m.length % per !== 0) {
    throw expected(`a Float32Array of numSlots * heads * headDim (${per}) elements`, `${api}: state.m`, m?.length);
  }
  const numSlots = m.length / per;
  for (const name of ['h', 'c', 'n'] as const) checkStateArray(api, `state.${name}`, o.state[name], o.stateDtype, m.length);
  const batch = checkSlots(api, o.slots, numSlots);
  checkLength(api, 'xPre', o.xPre, batch * 4 * per);
  checkLength(api, 'R', o.R, heads * 4 * dh * dh);
  if (o.bias !== undefined) checkLength(api, 'bias', o.bias, 4 * per);
  return {
    device, kind: 'slstmStep', inputDtype: INPUT_CODE[o.inputDtype], stateDtype: STATE_CODE[o.stateDtype],
    batch, seqLen: 1, heads, dqk: 0, dv: 0, headDim: dh, numSlots, gateSoftCap: 0, slots: o.slots,
    xPre: o.xPre, R: o.R, bias: o.bias, h: o.state.h, c: o.state.c, n: o.state.n, m,
  };
}

/** Runs one mLSTM kernel call; returns the output bits ([batch][seqLen][heads][dv]). */
export function runMlstm(native: XlstmNative, o: MlstmCallOptions): Uint16Array {
  const resolved = resolveMlstmCall(o);
  return nativeCall(() => native.xlstmRun(resolved));
}

/** Runs one sLSTM step; returns y = the new h bits ([batch][heads][headDim]). */
export function runSlstm(native: XlstmNative, o: SlstmCallOptions): Uint16Array {
  const resolved = resolveSlstmCall(o);
  return nativeCall(() => native.xlstmRun(resolved));
}

/** A timed xLSTM kernel on device-generated random data, or the device copy that bounds it. */
export interface XlstmBenchOptions {
  /** CUDA device ordinal. @defaultValue 0 */
  device?: number;
  kind: 'mlstmStep' | 'mlstmPrefill' | 'slstmStep' | 'copy';
  /** @defaultValue 'bf16' */
  inputDtype?: HalfDtype;
  /** @defaultValue 'f32' */
  stateDtype?: XlstmStateDtype;
  /** @defaultValue 1 */
  batch?: number;
  /** prefill only. @defaultValue 1 */
  seqLen?: number;
  /** prefill only: which kernel. @defaultValue 'auto' */
  algorithm?: MlstmPrefillAlgorithm;
  /** @defaultValue 8 (xLSTM-7B) */
  heads?: number;
  /** @defaultValue 256 (xLSTM-7B) */
  dqk?: number;
  /** @defaultValue 512 (xLSTM-7B) */
  dv?: number;
  /** sLSTM only. @defaultValue 512 */
  headDim?: number;
  /** copy only: bytes copied (read + written counts twice). @defaultValue 1 GiB */
  copyBytes?: number;
  /** @defaultValue 3 */
  warmup?: number;
  /** @defaultValue 20 */
  reps?: number;
}

/** Median time, bytes and FLOPs of one benchmark, with the derived rates. */
export interface XlstmBenchResult {
  medianMs: number;
  minMs: number;
  bytes: number;
  flops: number;
  gbPerS: number;
  tflopPerS: number;
}

/** Validates and runs one benchmark; shapes are checked against the same limits as a real call. */
export function benchXlstm(native: XlstmNative, o: XlstmBenchOptions): XlstmBenchResult {
  const api = 'xlstmBench';
  const kinds = ['mlstmStep', 'mlstmPrefill', 'slstmStep', 'copy'];
  if (!kinds.includes(o.kind)) throw expected(kinds.map((k) => `'${k}'`).join(', '), `${api}: kind`, o.kind);
  const inputDtype = o.inputDtype ?? 'bf16';
  const stateDtype = o.stateDtype ?? 'f32';
  checkDtypes(api, inputDtype, stateDtype);
  const heads = checkInt(`${api}: heads`, o.heads ?? 8, 1, 65535);
  const batch = checkInt(`${api}: batch`, o.batch ?? 1, 1, 65535);
  const seqLen = o.kind === 'mlstmPrefill' ? checkInt(`${api}: seqLen`, o.seqLen ?? 1, 1, 1 << 24) : 1;
  const dqk = o.dqk ?? 256;
  const dv = o.dv ?? 512;
  const headDim = o.headDim ?? 512;
  const algorithm = mlstmPrefillAlgorithmCode(`${api}: algorithm`, o.algorithm);
  if (o.kind !== 'mlstmPrefill' && algorithm !== 0) throw expected("'auto' (algorithms are prefill kernels)", `${api}: algorithm`, o.algorithm);
  if (o.kind === 'mlstmStep' || o.kind === 'mlstmPrefill') {
    // The same shape limits as a real call (kernels/xlstm/xlstm.h).
    const step = o.kind === 'mlstmStep';
    checkInt(`${api}: dqk`, dqk, step ? 1 : 16, step ? 2048 : 256);
    checkInt(`${api}: dv`, dv, 8, step ? (stateDtype === 'f32' ? 512 : 1024) : 512);
    if (!step && dqk % 16 !== 0) throw expected('a multiple of 16', `${api}: dqk`, dqk);
    if (dv % (step ? 8 : 16) !== 0) throw expected(`a multiple of ${step ? 8 : 16}`, `${api}: dv`, dv);
  }
  if (o.kind === 'slstmStep' && (checkInt(`${api}: headDim`, headDim, 8, 32768) % 8 !== 0)) {
    throw expected('a multiple of 8', `${api}: headDim`, headDim);
  }
  const r = nativeCall(() =>
    native.xlstmBench({
      device: checkInt(`${api}: device`, o.device ?? 0, 0, 1023), kind: o.kind, inputDtype: INPUT_CODE[inputDtype],
      stateDtype: STATE_CODE[stateDtype], batch, seqLen, heads, dqk, dv, headDim, numSlots: batch, gateSoftCap: 15, algorithm,
      copyBytes: checkInt(`${api}: copyBytes`, o.copyBytes ?? 2 ** 30, 1 << 20, 2 ** 40),
      warmup: checkInt(`${api}: warmup`, o.warmup ?? 3, 0, 10000), reps: checkInt(`${api}: reps`, o.reps ?? 20, 1, 100000),
    }),
  );
  return { ...r, gbPerS: r.bytes / (r.medianMs * 1e-3) / 1e9, tflopPerS: r.flops / (r.medianMs * 1e-3) / 1e12 };
}
