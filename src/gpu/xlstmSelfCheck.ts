import seedrandom from 'seedrandom';
import { fromHalfBits, type HalfDtype, toHalfBits } from './halfBits.js';
import type { XlstmKernelKind, XlstmNative } from './XlstmNative.js';
import { type MlstmCallOptions, type MlstmPrefillAlgorithm, runMlstm, runSlstm, type SlstmCallOptions, type StateArray, type XlstmStateDtype } from './xlstmKernels.js';
import { type MlstmHeadState, mlstmStepReference, type SlstmHeadState, slstmStepReference, xlstmRelativeError } from './xlstmReference.js';

/** One correctness case: fresh random inputs and state, one kernel call against float64. */
export interface XlstmCheckCase {
  kind: XlstmKernelKind;
  inputDtype: HalfDtype;
  stateDtype: XlstmStateDtype;
  batch: number;
  numSlots: number;
  heads: number;
  dqk?: number;
  dv?: number;
  seqLen?: number;
  headDim?: number;
  /** mLSTM prefill kernel. @defaultValue 'auto' */
  algorithm?: MlstmPrefillAlgorithm;
}

export interface XlstmCheckResult {
  name: string;
  errOut: number;
  errState: number;
  tolOut: number;
  tolState: number;
  /** Slots no request used are bit-identical after the call. */
  untouchedOk: boolean;
  pass: boolean;
}

/**
 * Ragged slots, non-power-of-two sizes, batch 1, xLSTM-7B head shapes, prefills over 1.5 chunks,
 * each prefill kernel by name (every case continues from a random non-zero state). The tfla cases
 * (256-token chunks) add: 600 tokens (two chunk boundaries, a partial last chunk) with dqk and dv
 * off its 64 x 128 tiles, and xLSTM-7B's head over two chunks. Appended, so indices stay.
 */
export const DEFAULT_XLSTM_CHECKS: XlstmCheckCase[] = [
  { kind: 'mlstmStep', inputDtype: 'bf16', stateDtype: 'f32', batch: 1, numSlots: 1, heads: 1, dqk: 64, dv: 64 },
  { kind: 'mlstmStep', inputDtype: 'bf16', stateDtype: 'f32', batch: 3, numSlots: 7, heads: 2, dqk: 96, dv: 200 },
  { kind: 'mlstmStep', inputDtype: 'f16', stateDtype: 'bf16', batch: 2, numSlots: 3, heads: 8, dqk: 256, dv: 512 },
  { kind: 'mlstmPrefill', inputDtype: 'bf16', stateDtype: 'f32', batch: 2, numSlots: 5, heads: 2, dqk: 64, dv: 80, seqLen: 100, algorithm: 'sequential' },
  { kind: 'mlstmPrefill', inputDtype: 'f16', stateDtype: 'f32', batch: 1, numSlots: 2, heads: 1, dqk: 128, dv: 128, seqLen: 1, algorithm: 'sequential' },
  { kind: 'slstmStep', inputDtype: 'bf16', stateDtype: 'f32', batch: 5, numSlots: 9, heads: 3, headDim: 96 },
  { kind: 'slstmStep', inputDtype: 'f16', stateDtype: 'bf16', batch: 1, numSlots: 2, heads: 2, headDim: 512 },
  { kind: 'mlstmPrefill', inputDtype: 'bf16', stateDtype: 'f32', batch: 2, numSlots: 5, heads: 2, dqk: 64, dv: 80, seqLen: 100, algorithm: 'tfla' },
  { kind: 'mlstmPrefill', inputDtype: 'f16', stateDtype: 'f32', batch: 1, numSlots: 2, heads: 1, dqk: 128, dv: 128, seqLen: 1, algorithm: 'tfla' },
  { kind: 'mlstmPrefill', inputDtype: 'f16', stateDtype: 'bf16', batch: 2, numSlots: 3, heads: 2, dqk: 96, dv: 144, seqLen: 600, algorithm: 'tfla' },
  { kind: 'mlstmPrefill', inputDtype: 'bf16', stateDtype: 'f32', batch: 2, numSlots: 4, heads: 1, dqk: 256, dv: 512, seqLen: 300, algorithm: 'tfla' },
];

/** ‖out − ref‖ / ‖ref‖ bounds per case (see bench/xlstm/NOTES.md for where each comes from). */
export function xlstmTolerances(c: XlstmCheckCase): { out: number; state: number } {
  const bf = c.inputDtype === 'bf16';
  if (c.kind === 'slstmStep') return { out: bf || c.stateDtype === 'bf16' ? 1.5e-2 : 3e-3, state: c.stateDtype === 'bf16' ? 1.5e-2 : 1e-4 };
  if (c.kind === 'mlstmPrefill') return { out: bf ? 3e-2 : 5e-3, state: c.stateDtype === 'bf16' ? 1.5e-2 : bf ? 1e-2 : 3e-3 };
  return { out: c.stateDtype === 'bf16' ? 1e-2 : bf ? 6e-3 : 1.5e-3, state: c.stateDtype === 'bf16' ? 1.5e-2 : 1e-5 };
}

function caseName(c: XlstmCheckCase): string {
  const dims = c.kind === 'slstmStep' ? `dh${c.headDim}` : `${c.dqk}x${c.dv}${c.seqLen ? ` S${c.seqLen}` : ''}`;
  const alg = c.algorithm ? ` ${c.algorithm}` : '';
  return `${c.kind}${alg} in=${c.inputDtype} state=${c.stateDtype} B${c.batch}/${c.numSlots} slots H${c.heads} ${dims}`;
}

class Draw {
  private readonly rng: () => number;
  constructor(seed: string) {
    this.rng = seedrandom.alea(`xlstm-check:${seed}`);
  }
  uniform(): number {
    return this.rng();
  }
  normal(): number {
    return Math.sqrt(-2 * Math.log(Math.max(this.rng(), 1e-300))) * Math.cos(2 * Math.PI * this.rng());
  }
  /** Gate pre-activations: mostly moderate, one in ten far past the soft cap. */
  gate(mean: number, sd: number): number {
    if (this.rng() < 0.1) return (this.rng() < 0.5 ? -1 : 1) * (20 + 20 * this.rng());
    return mean + sd * this.normal();
  }
  halfs(n: number, dtype: HalfDtype, scale = 1): Uint16Array {
    const a = new Uint16Array(n);
    for (let i = 0; i < n; i++) a[i] = toHalfBits(scale * this.normal(), dtype);
    return a;
  }
  slots(batch: number, numSlots: number): Int32Array {
    const all = Array.from({ length: numSlots }, (_, i) => i);
    for (let i = numSlots - 1; i > 0; i--) {
      const j = Math.floor(this.rng() * (i + 1));
      [all[i], all[j]] = [all[j], all[i]];
    }
    return Int32Array.from(all.slice(0, batch));
  }
}

function stateArray(n: number, dtype: XlstmStateDtype, fill: () => number): StateArray {
  if (dtype === 'f32') return Float32Array.from({ length: n }, fill);
  return Uint16Array.from({ length: n }, () => toHalfBits(fill(), 'bf16'));
}
function stateValue(a: StateArray, i: number): number {
  return a instanceof Float32Array ? a[i] : fromHalfBits(a[i], 'bf16');
}
function values(a: StateArray, from: number, n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => stateValue(a, from + i));
}
function append(dst: number[], src: ArrayLike<number>): void {
  for (let i = 0; i < src.length; i++) dst.push(src[i]);
}
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>, from: number, n: number): boolean {
  for (let i = from; i < from + n; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/**
 * Runs one case. `tamper` may alter the options after the reference was computed (tests use it to
 * show the check can fail).
 */
export function checkXlstmCase(native: XlstmNative, c: XlstmCheckCase, seed: string, tamper?: (o: MlstmCallOptions | SlstmCallOptions) => void): XlstmCheckResult {
  return c.kind === 'slstmStep' ? checkSlstm(native, c, seed, tamper) : checkMlstm(native, c, seed, tamper);
}

function result(c: XlstmCheckCase, errOut: number, errState: number, untouchedOk: boolean): XlstmCheckResult {
  const tol = xlstmTolerances(c);
  const pass = errOut <= tol.out && errState <= tol.state && untouchedOk;
  return { name: caseName(c), errOut, errState, tolOut: tol.out, tolState: tol.state, untouchedOk, pass };
}

function checkMlstm(native: XlstmNative, c: XlstmCheckCase, seed: string, tamper?: (o: MlstmCallOptions) => void): XlstmCheckResult {
  const d = new Draw(seed);
  const { batch: B, heads: H, numSlots } = c;
  const dqk = c.dqk ?? 64;
  const dv = c.dv ?? 64;
  const S = c.kind === 'mlstmStep' ? 1 : (c.seqLen ?? 1);
  const state = {
    C: stateArray(numSlots * H * dqk * dv, c.stateDtype, () => 0.5 * d.normal()),
    n: stateArray(numSlots * H * dqk, c.stateDtype, () => d.normal()),
    m: Float32Array.from({ length: numSlots * H }, () => 6 * d.uniform() - 3),
  };
  const before = { C: state.C.slice(), n: state.n.slice(), m: state.m.slice() };
  const slots = d.slots(B, numSlots);
  const tok = B * S * H;
  const q = d.halfs(tok * dqk, c.inputDtype);
  const k = d.halfs(tok * dqk, c.inputDtype);
  const v = d.halfs(tok * dv, c.inputDtype);
  const igatePre = Float32Array.from({ length: tok }, () => d.gate(0, 4));
  const fgatePre = Float32Array.from({ length: tok }, () => d.gate(3, 2));
  const hv = (bits: Uint16Array, from: number, n: number) => Array.from(bits.subarray(from, from + n), (x) => fromHalfBits(x, c.inputDtype));

  const refOut = new Float64Array(tok * dv);
  const refHeads: MlstmHeadState[] = [];
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const sh = slots[b] * H + h;
      const s: MlstmHeadState = { C: values(state.C, sh * dqk * dv, dqk * dv), n: values(state.n, sh * dqk, dqk), m: state.m[sh] };
      for (let t = 0; t < S; t++) {
        const row = (b * S + t) * H + h;
        const out = mlstmStepReference(s, hv(q, row * dqk, dqk), hv(k, row * dqk, dqk), hv(v, row * dv, dv), igatePre[row], fgatePre[row], 15);
        refOut.set(out, row * dv);
      }
      refHeads.push(s);
    }
  }
  const o: MlstmCallOptions = { kind: c.kind as 'mlstmStep' | 'mlstmPrefill', inputDtype: c.inputDtype, stateDtype: c.stateDtype, heads: H, dqk, dv, seqLen: S, q, k, v, igatePre, fgatePre, slots: slots.slice(), state, algorithm: c.algorithm };
  tamper?.(o);
  const outBits = runMlstm(native, o);
  const errOut = xlstmRelativeError(Array.from(outBits, (x) => fromHalfBits(x, c.inputDtype)), refOut);

  const got: number[] = [];
  const want: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const sh = slots[b] * H + h;
      const r = refHeads[b * H + h];
      append(got, values(state.C, sh * dqk * dv, dqk * dv));
      append(got, values(state.n, sh * dqk, dqk));
      got.push(state.m[sh]);
      append(want, r.C);
      append(want, r.n);
      want.push(r.m);
    }
  }
  let untouched = true;
  const used = new Set(slots);
  for (let s = 0; s < numSlots; s++) {
    if (used.has(s)) continue;
    untouched &&= sameBits(state.C, before.C, s * H * dqk * dv, H * dqk * dv) && sameBits(state.n, before.n, s * H * dqk, H * dqk) && sameBits(state.m, before.m, s * H, H);
  }
  return result(c, errOut, xlstmRelativeError(got, want), untouched);
}

function checkSlstm(native: XlstmNative, c: XlstmCheckCase, seed: string, tamper?: (o: SlstmCallOptions) => void): XlstmCheckResult {
  const d = new Draw(seed);
  const { batch: B, heads: H, numSlots } = c;
  const dh = c.headDim ?? 32;
  const per = H * dh;
  const state = {
    h: stateArray(numSlots * per, c.stateDtype, () => Math.tanh(d.normal())),
    c: stateArray(numSlots * per, c.stateDtype, () => d.normal()),
    n: stateArray(numSlots * per, c.stateDtype, () => 0.5 + 2 * d.uniform()),
    m: Float32Array.from({ length: numSlots * per }, () => 4 * d.uniform() - 2),
  };
  const before = { h: state.h.slice(), c: state.c.slice(), n: state.n.slice(), m: state.m.slice() };
  const slots = d.slots(B, numSlots);
  const R = d.halfs(H * 4 * dh * dh, c.inputDtype, 1 / Math.sqrt(dh));
  const bias = Float32Array.from({ length: 4 * per }, () => 0.5 * d.normal());
  const xPre = d.halfs(B * 4 * per, c.inputDtype, 1.5);
  const Rv = Float64Array.from(R, (x) => fromHalfBits(x, c.inputDtype));

  const refOut = new Float64Array(B * per);
  const refHeads: SlstmHeadState[] = [];
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const base = (slots[b] * H + h) * dh;
      const s: SlstmHeadState = { h: values(state.h, base, dh), c: values(state.c, base, dh), n: values(state.n, base, dh), m: Float64Array.from(state.m.subarray(base, base + dh)) };
      const raw = new Float64Array(4 * dh);
      for (let g = 0; g < 4; g++) {
        for (let j = 0; j < dh; j++) raw[g * dh + j] = fromHalfBits(xPre[((b * 4 + g) * H + h) * dh + j], c.inputDtype) + bias[(g * H + h) * dh + j];
      }
      refOut.set(slstmStepReference(s, raw, (g, k, j) => Rv[((h * 4 + g) * dh + k) * dh + j]), (b * H + h) * dh);
      refHeads.push(s);
    }
  }
  const o: SlstmCallOptions = { inputDtype: c.inputDtype, stateDtype: c.stateDtype, heads: H, headDim: dh, xPre, R, bias, slots: slots.slice(), state };
  tamper?.(o);
  const outBits = runSlstm(native, o);
  const errOut = xlstmRelativeError(Array.from(outBits, (x) => fromHalfBits(x, c.inputDtype)), refOut);
  const got: number[] = [];
  const want: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const base = (slots[b] * H + h) * dh;
      const r = refHeads[b * H + h];
      for (const k of ['h', 'c', 'n'] as const) append(got, values(state[k], base, dh));
      append(got, state.m.subarray(base, base + dh));
      for (const k of ['h', 'c', 'n', 'm'] as const) append(want, r[k]);
    }
  }
  let untouched = true;
  const used = new Set(slots);
  for (let s = 0; s < numSlots; s++) {
    if (used.has(s)) continue;
    for (const k of ['h', 'c', 'n', 'm'] as const) untouched &&= sameBits(state[k], before[k], s * per, per);
  }
  return result(c, errOut, xlstmRelativeError(got, want), untouched);
}
