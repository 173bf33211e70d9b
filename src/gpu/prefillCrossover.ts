import { checkInt, expected } from '../errors.js';
import type { AttentionNative } from './AttentionNative.js';
import { attentionBenchBase, resolveKernelBenchOptions } from './benchKernels.js';
import type { HalfDtype } from './halfBits.js';
import { nativeCall } from './nativeCall.js';
import { benchXlstm } from './xlstmKernels.js';
import type { XlstmNative } from './XlstmNative.js';

/**
 * Where one prompt's prefill costs the same under attention and under mLSTM, measured kernel against kernel
 * on one card in one call: kvsim's causal attention prefill of one Llama-3-8B layer (32 q / 8 kv heads,
 * d 128, contiguous KV) against the tfla mLSTM prefill of one xLSTM-7B layer (8 heads, dqk 256, dv 512,
 * fp32 state), one request of S tokens. Attention's work grows as S^2, the chunkwise mLSTM's as S, so
 * past the crossover the recurrent layer prefills faster. Kernels only: the projections and MLPs that
 * both layers also run are not in either time.
 */
export interface PrefillCrossoverOptions {
  /** @defaultValue 0 */
  device?: number;
  /** Input element type of both kernels. @defaultValue 'bf16' (what xLSTM-7B runs) */
  dtype?: HalfDtype;
  /** Prompt lengths, ascending. @defaultValue 256 to 32768, powers of two */
  seqLens?: number[];
  /** @defaultValue 3 */
  warmup?: number;
  /** Timed runs per point (the median is kept). @defaultValue 20 */
  reps?: number;
}

export type ResolvedPrefillCrossoverOptions = Required<PrefillCrossoverOptions>;

export const DEFAULT_CROSSOVER_SEQ_LENS = [256, 512, 1024, 2048, 4096, 8192, 16384, 32768];

/** The one place defaults are filled; validates every option (throws InvalidOptionError). */
export function resolvePrefillCrossoverOptions(o: PrefillCrossoverOptions = {}): ResolvedPrefillCrossoverOptions {
  const api = 'prefillCrossover';
  const dtype = o.dtype ?? 'bf16';
  if (dtype !== 'f16' && dtype !== 'bf16') throw expected("'f16' or 'bf16'", `${api}: dtype`, dtype);
  const seqLens = o.seqLens ?? DEFAULT_CROSSOVER_SEQ_LENS;
  if (seqLens.length < 2) throw expected('at least two prompt lengths', `${api}: seqLens`, seqLens.length);
  seqLens.forEach((s, i) => {
    checkInt(`${api}: seqLens[${i}]`, s, 1, 1 << 20);
    if (i > 0 && s <= seqLens[i - 1]) throw expected(`a length above seqLens[${i - 1}] (${seqLens[i - 1]}): ascending`, `${api}: seqLens[${i}]`, s);
  });
  return {
    device: checkInt(`${api}: device`, o.device ?? 0, 0, 1023),
    dtype,
    seqLens: [...seqLens],
    warmup: checkInt(`${api}: warmup`, o.warmup ?? 3, 0, 1000),
    reps: checkInt(`${api}: reps`, o.reps ?? 20, 1, 10000),
  };
}

export interface PrefillCrossoverRow {
  seqLen: number;
  attentionMs: number;
  mlstmMs: number;
  /** mlstmMs / attentionMs: below 1 the mLSTM layer prefills faster. */
  mlstmOverAttention: number;
}

/**
 * A prompt length where the faster kernel changes, interpolated linearly in (log2 S, log ratio) between
 * the two measured lengths around it; `mlstmFasterAbove` tells which way it turns.
 */
export interface CrossoverPoint {
  seqLen: number;
  between: [number, number];
  mlstmFasterAbove: boolean;
}

export interface PrefillCrossoverReport {
  card: string;
  dateUtc: string;
  options: ResolvedPrefillCrossoverOptions;
  /**
   * Sweeps read from logs: the mLSTM timings' median count when it differs from `options.reps`, null when the
   * log does not say. Absent: both kernels timed with `options.reps` (`kvsim gpu bench kernels`).
   */
  mlstmReps?: number | null;
  rows: PrefillCrossoverRow[];
  /** Every change of the faster kernel inside the measured range (none: one kernel wins throughout). */
  crossovers: CrossoverPoint[];
}

/** The changes of sign of log(mlstm / attention) between adjacent rows (rows ascending in seqLen). */
export function findCrossovers(rows: readonly PrefillCrossoverRow[]): CrossoverPoint[] {
  const out: CrossoverPoint[] = [];
  for (let i = 1; i < rows.length; i++) {
    const a = rows[i - 1];
    const b = rows[i];
    const la = Math.log(a.mlstmOverAttention);
    const lb = Math.log(b.mlstmOverAttention);
    // A tie (ratio exactly 1) at a measured length counts once, on the interval that ends there.
    if (!(la > 0 && lb <= 0) && !(la < 0 && lb >= 0)) continue;
    const xa = Math.log2(a.seqLen);
    const xb = Math.log2(b.seqLen);
    const x = xa + ((xb - xa) * la) / (la - lb);
    out.push({ seqLen: Math.round(2 ** x), between: [a.seqLen, b.seqLen], mlstmFasterAbove: lb < la });
  }
  return out;
}

/**
 * Times both kernels at every prompt length, attention and mLSTM back to back per length (a drift of the
 * card over the sweep then shifts both alike), and finds the crossovers.
 */
export function runPrefillCrossover(attention: AttentionNative, xlstm: XlstmNative, card: string, options: PrefillCrossoverOptions = {}): PrefillCrossoverReport {
  const o = resolvePrefillCrossoverOptions(options);
  // The kernel bench's default attention shape is one Llama-3-8B layer (32 q / 8 kv heads, d 128).
  const base = attentionBenchBase(resolveKernelBenchOptions({ device: o.device, dtype: o.dtype, warmup: o.warmup, reps: o.reps }));
  const rows = o.seqLens.map((seqLen): PrefillCrossoverRow => {
    const attn = { ...base, kind: 'prefill' as const, batch: 1, contextLen: seqLen, queryLen: seqLen, causal: true };
    const attentionMs = nativeCall(() => attention.attentionBench(attn)).medianMs;
    const mlstmMs = benchXlstm(xlstm, {
      device: o.device, kind: 'mlstmPrefill', inputDtype: o.dtype, stateDtype: 'f32', batch: 1, seqLen,
      algorithm: 'tfla', heads: 8, dqk: 256, dv: 512, warmup: o.warmup, reps: o.reps,
    }).medianMs;
    return { seqLen, attentionMs, mlstmMs, mlstmOverAttention: mlstmMs / attentionMs };
  });
  return { card, dateUtc: new Date().toISOString(), options: o, rows, crossovers: findCrossovers(rows) };
}

/** The header's words on the mLSTM median count where it is not the attention one's. */
function mlstmRepsNote(mlstmReps: number | null | undefined, reps: number): string {
  if (mlstmReps === null) return ' (mLSTM: median count not recorded in its log)';
  return mlstmReps !== undefined && mlstmReps !== reps ? ` (mLSTM: median of ${mlstmReps})` : '';
}

/** The sweep as a markdown table with its provenance and the crossover sentence. */
export function formatPrefillCrossover(r: PrefillCrossoverReport): string {
  const o = r.options;
  const lines = [
    `Prefill crossover, one request, kernels only (measured on ${r.card}, ${r.dateUtc}, median of ${o.reps}${mlstmRepsNote(r.mlstmReps, o.reps)}, ${o.dtype} inputs):`,
    'attention = kvsim causal prefill, one Llama-3-8B layer (32 q / 8 kv heads, d 128, contiguous KV); ' +
      'mLSTM = tfla prefill, one xLSTM-7B layer (8 heads, dqk 256, dv 512, fp32 state)',
    '| prompt tokens | attention ms | mLSTM ms | mLSTM / attention |',
    '|---|---|---|---|',
  ];
  for (const x of r.rows) {
    lines.push(`| ${x.seqLen} | ${x.attentionMs.toFixed(4)} | ${x.mlstmMs.toFixed(4)} | ${x.mlstmOverAttention.toFixed(3)} |`);
  }
  const first = r.rows[0];
  const last = r.rows[r.rows.length - 1];
  if (r.crossovers.length === 0) {
    const who = first.mlstmOverAttention < 1 ? 'mLSTM' : 'attention';
    lines.push(`no crossover between ${first.seqLen} and ${last.seqLen} tokens: ${who} is faster at every measured length`);
  } else {
    for (const c of r.crossovers) {
      lines.push(
        `crossover ~${c.seqLen} tokens (between the measured ${c.between[0]} and ${c.between[1]}, interpolated in log length): ` +
          `${c.mlstmFasterAbove ? 'mLSTM' : 'attention'} is faster above it`,
      );
    }
  }
  return lines.join('\n');
}
