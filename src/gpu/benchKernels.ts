import { checkInt, expected } from '../errors.js';
import type { AttentionNative, NativeAttentionBenchOptions } from './AttentionNative.js';
import type { HalfDtype } from './halfBits.js';
import type { NativeDeviceInfo } from './NativeBinding.js';
import { nativeCall } from './nativeCall.js';
import type { SdpaSideBySide } from './SdpaSideBySideReport.js';

/** What `kvsim gpu bench kernels` times for attention (defaults: one Llama-3-8B layer on a full GPU). */
export interface KernelBenchOptions {
  /** @defaultValue 0 */
  device?: number;
  /** @defaultValue 'f16' */
  dtype?: HalfDtype;
  /** @defaultValue 32 */
  numQHeads?: number;
  /** @defaultValue 8 */
  numKvHeads?: number;
  /** @defaultValue 128 */
  headDim?: number;
  /** Decode shapes; each reads 1 GiB of KV at the defaults (20x the H100's L2). @defaultValue 64x4096, 256x1024, 8x32768 */
  decode?: { batch: number; contextLen: number }[];
  /** Paged block sizes compared with the contiguous layout. @defaultValue [16, 32, 64, 128, 256] */
  blockSizes?: number[];
  /** Prefill shapes (queryLen < contextLen: chunked, the rest is cached prefix). @defaultValue 4x4096 causal, 4x(3584+512) */
  prefill?: { batch: number; queryLen: number; contextLen: number }[];
  /** Paged block sizes for prefill. @defaultValue [16] */
  prefillBlockSizes?: number[];
  /** @defaultValue 5 */
  warmup?: number;
  /** Timed runs per measurement (the median is reported). @defaultValue 30 */
  reps?: number;
}

export type ResolvedKernelBenchOptions = Required<KernelBenchOptions>;

/** The one place defaults are filled; validates every option (throws InvalidOptionError). */
export function resolveKernelBenchOptions(o: KernelBenchOptions = {}): ResolvedKernelBenchOptions {
  const api = 'benchKernels';
  const r: ResolvedKernelBenchOptions = {
    device: checkInt(`${api}: device`, o.device ?? 0, 0, 1023),
    dtype: o.dtype ?? 'f16',
    numQHeads: checkInt(`${api}: numQHeads`, o.numQHeads ?? 32, 1, 4096),
    numKvHeads: checkInt(`${api}: numKvHeads`, o.numKvHeads ?? 8, 1, 4096),
    headDim: o.headDim ?? 128,
    decode: o.decode ?? [
      { batch: 64, contextLen: 4096 },
      { batch: 256, contextLen: 1024 },
      { batch: 8, contextLen: 32768 },
    ],
    blockSizes: o.blockSizes ?? [16, 32, 64, 128, 256],
    prefill: o.prefill ?? [
      { batch: 4, queryLen: 4096, contextLen: 4096 },
      { batch: 4, queryLen: 512, contextLen: 4096 },
    ],
    prefillBlockSizes: o.prefillBlockSizes ?? [16],
    warmup: checkInt(`${api}: warmup`, o.warmup ?? 5, 0, 1000),
    reps: checkInt(`${api}: reps`, o.reps ?? 30, 1, 10000),
  };
  if (r.dtype !== 'f16' && r.dtype !== 'bf16') throw expected("'f16' or 'bf16'", `${api}: dtype`, r.dtype);
  if (r.headDim !== 64 && r.headDim !== 128) throw expected('64 or 128', `${api}: headDim`, r.headDim);
  if (r.numQHeads % r.numKvHeads !== 0) throw expected(`a divisor of numQHeads (${r.numQHeads})`, `${api}: numKvHeads`, r.numKvHeads);
  for (const bs of [...r.blockSizes, ...r.prefillBlockSizes]) {
    if (!Number.isInteger(bs) || bs < 8 || bs > 1024 || (bs & (bs - 1)) !== 0) throw expected('a power of two in [8, 1024]', `${api}: block size`, bs);
  }
  r.decode.forEach((s, i) => {
    checkInt(`${api}: decode[${i}].batch`, s.batch, 1, 65535); // a CUDA grid's y/z limit
    checkInt(`${api}: decode[${i}].contextLen`, s.contextLen, 1, 1 << 24);
  });
  r.prefill.forEach((s, i) => {
    checkInt(`${api}: prefill[${i}].batch`, s.batch, 1, 65535);
    checkInt(`${api}: prefill[${i}].contextLen`, s.contextLen, 1, 1 << 24);
    checkInt(`${api}: prefill[${i}].queryLen`, s.queryLen, 1, s.contextLen);
  });
  return r;
}

export interface DecodeBenchRow {
  batch: number;
  contextLen: number;
  /** 'contiguous' or 'paged-bs<N>'. */
  layout: string;
  numSplits: number;
  medianMs: number;
  kvTBs: number;
  /** Achieved KV bandwidth over the device copy's (read + write) bandwidth. */
  ofCopy: number;
  /** Paged time over contiguous time on the same shape (1 for contiguous). */
  overContiguous: number;
  /** With --sdpa: PyTorch SDPA's time on this shape (contiguous K/V). */
  sdpaMs?: number;
  /** With --sdpa: this row's KV TB/s over SDPA's (>1: kvsim faster); from the mean of both rounds where there are two. */
  vsSdpa?: number;
  /** With --sdpa: kvsim's time on this row in the second round (after the first SDPA measurement). */
  kvsimRepeatMs?: number;
  /** With --sdpa: SDPA's time in the second round (after kvsim's second measurement). */
  sdpaRepeatMs?: number;
}

export interface PrefillBenchRow {
  batch: number;
  queryLen: number;
  contextLen: number;
  layout: string;
  medianMs: number;
  tflops: number;
  overContiguous: number;
  /** With --sdpa: PyTorch SDPA's time on this shape; null where SDPA could not express the mask. */
  sdpaMs?: number | null;
  /** With --sdpa: this row's TFLOP/s over SDPA's (>1: kvsim faster); null with sdpaMs; from the mean of both rounds where there are two. */
  vsSdpa?: number | null;
  /** With --sdpa: kvsim's time on this row in the second round. */
  kvsimRepeatMs?: number;
  /** With --sdpa: SDPA's time in the second round; null with sdpaMs. */
  sdpaRepeatMs?: number | null;
}

export interface KernelBenchReport {
  card: string;
  dateUtc: string;
  options: ResolvedKernelBenchOptions;
  /** Device-to-device copy of 2 GiB, bytes read + written per second. */
  copyTBs: number;
  decode: DecodeBenchRow[];
  prefill: PrefillBenchRow[];
  /** With --sdpa: PyTorch SDPA measured on the same shapes in the same call (withSdpa). */
  sdpa?: SdpaSideBySide;
  /** With --sdpa: SDPA's second round (withSdpaRounds: kvsim, SDPA, kvsim, SDPA). */
  sdpaRepeat?: SdpaSideBySide;
  /** With --sdpa: the largest relative difference between a row's two rounds, per side (drift within the call), and its row. */
  roundSpread?: { kvsim: number; sdpa: number; kvsimRow?: string; sdpaRow?: string };
}

/**
 * The native bench call for these options' shape and timing (a 2 GiB copy as given; callers override kind and
 * sizes): the one place the attention bench arguments are spelled (benchKernels, the prefill crossover).
 */
export function attentionBenchBase(o: ResolvedKernelBenchOptions): NativeAttentionBenchOptions {
  return {
    device: o.device,
    kind: 'copy',
    dtype: o.dtype === 'bf16' ? 1 : 0,
    numQHeads: o.numQHeads,
    numKvHeads: o.numKvHeads,
    headDim: o.headDim,
    softmaxScale: 1 / Math.sqrt(o.headDim),
    layout: 0,
    blockSizeTokens: 0,
    batch: 1,
    contextLen: 1,
    queryLen: 1,
    causal: true,
    copyBytes: 2 * 1024 ** 3,
    warmup: o.warmup,
    reps: o.reps,
  };
}

/** Times the attention kernels (CUDA events, warm-up, median) with the copy ceiling measured in the same run. */
export function runKernelBench(native: AttentionNative, info: NativeDeviceInfo, options: KernelBenchOptions = {}): KernelBenchReport {
  const o = resolveKernelBenchOptions(options);
  const base = attentionBenchBase(o);
  const bench = (x: Partial<NativeAttentionBenchOptions>) => nativeCall(() => native.attentionBench({ ...base, ...x }));
  const copy = bench({ kind: 'copy' });
  // An untimed pass first, so clocks are up before the first row (the first contiguous decode row
  // of an early run read 15% slower than the paged rows measured after it).
  if (o.decode.length > 0) bench({ kind: 'decode', batch: o.decode[0].batch, contextLen: o.decode[0].contextLen, reps: o.reps * 3 });
  const copyTBs = copy.bytes / (copy.medianMs * 1e-3) / 1e12;
  const decode: DecodeBenchRow[] = [];
  for (const s of o.decode) {
    let contiguousMs = 0;
    for (const bs of [0, ...o.blockSizes]) {
      const r = bench({ kind: 'decode', batch: s.batch, contextLen: s.contextLen, layout: bs ? 1 : 0, blockSizeTokens: bs });
      if (!bs) contiguousMs = r.medianMs;
      const kvTBs = r.bytes / (r.medianMs * 1e-3) / 1e12;
      decode.push({
        batch: s.batch,
        contextLen: s.contextLen,
        layout: bs ? `paged-bs${bs}` : 'contiguous',
        numSplits: r.numSplits ?? 1,
        medianMs: r.medianMs,
        kvTBs,
        ofCopy: kvTBs / copyTBs,
        overContiguous: r.medianMs / contiguousMs,
      });
    }
  }
  const prefill: PrefillBenchRow[] = [];
  for (const s of o.prefill) {
    let contiguousMs = 0;
    for (const bs of [0, ...o.prefillBlockSizes]) {
      const r = bench({ kind: 'prefill', batch: s.batch, contextLen: s.contextLen, queryLen: s.queryLen, layout: bs ? 1 : 0, blockSizeTokens: bs });
      if (!bs) contiguousMs = r.medianMs;
      prefill.push({
        batch: s.batch,
        queryLen: s.queryLen,
        contextLen: s.contextLen,
        layout: bs ? `paged-bs${bs}` : 'contiguous',
        medianMs: r.medianMs,
        tflops: (r.flops ?? 0) / (r.medianMs * 1e-3) / 1e12,
        overContiguous: r.medianMs / contiguousMs,
      });
    }
  }
  return { card: info.name, dateUtc: new Date().toISOString(), options: o, copyTBs, decode, prefill };
}

/** The report as fixed-width text (what `kvsim gpu bench kernels` prints); SDPA columns when measured. */
export function formatKernelBench(r: KernelBenchReport): string {
  const o = r.options;
  const sd = r.sdpa !== undefined;
  const sdpaCols = (ms: number | null | undefined, vs: number | null | undefined, digits: number) =>
    sd ? ` ${(ms == null ? 'n/a' : ms.toFixed(digits)).padStart(9)} ${(vs == null ? 'n/a' : vs.toFixed(3)).padStart(6)}` : '';
  const lines = [
    `Attention kernels on ${r.card} (${o.dtype}, ${o.numQHeads} q / ${o.numKvHeads} kv heads, d ${o.headDim}; median of ${o.reps}; ${r.dateUtc})`,
    `ceiling: device copy ${r.copyTBs.toFixed(2)} TB/s (read + write)`,
    `decode      batch  context  splits        ms   KV TB/s  of copy  paged/contig${sd ? '   SDPA ms  /SDPA' : ''}`,
  ];
  for (const x of r.decode) {
    lines.push(
      `${x.layout.padEnd(11)} ${String(x.batch).padStart(5)} ${String(x.contextLen).padStart(8)} ${String(x.numSplits).padStart(7)} ` +
        `${x.medianMs.toFixed(4).padStart(9)} ${x.kvTBs.toFixed(2).padStart(9)} ${x.ofCopy.toFixed(3).padStart(8)} ${x.overContiguous.toFixed(3).padStart(13)}` +
        sdpaCols(x.sdpaMs, x.vsSdpa, 4),
    );
  }
  lines.push(`prefill     batch  queries  context        ms   TFLOP/s  paged/contig${sd ? '   SDPA ms  /SDPA' : ''}`);
  for (const x of r.prefill) {
    lines.push(
      `${x.layout.padEnd(11)} ${String(x.batch).padStart(5)} ${String(x.queryLen).padStart(8)} ${String(x.contextLen).padStart(8)} ` +
        `${x.medianMs.toFixed(3).padStart(9)} ${x.tflops.toFixed(1).padStart(9)} ${x.overContiguous.toFixed(3).padStart(13)}` +
        sdpaCols(x.sdpaMs, x.vsSdpa, 3),
    );
  }
  if (r.sdpa) {
    const s = r.sdpa;
    lines.push(
      `SDPA: measured ${s.dateUtc} with PyTorch ${s.torch}${s.cuda ? ` (CUDA ${s.cuda})` : ''} scaled_dot_product_attention on ${s.device}, ` +
        `same shapes, contiguous K/V, median of ${o.reps} (\`${s.command}\`); /SDPA = kvsim throughput / SDPA's (>1: kvsim faster)`,
    );
    for (const p of s.rows.prefill) {
      if (p.medianMs === null) lines.push(`SDPA n/a for prefill ${p.batch}x${p.queryLen}x${p.contextLen}: ${p.note ?? 'not measured'}`);
    }
    if (r.roundSpread) {
      lines.push(
        `two rounds, alternated (kvsim, SDPA, kvsim, SDPA): the ms columns are the first round's, /SDPA is from the mean of both; ` +
          `largest difference between a row's rounds: kvsim ${(100 * r.roundSpread.kvsim).toFixed(1)} %${r.roundSpread.kvsimRow ? ` (${r.roundSpread.kvsimRow})` : ''}, ` +
          `SDPA ${(100 * r.roundSpread.sdpa).toFixed(1)} %${r.roundSpread.sdpaRow ? ` (${r.roundSpread.sdpaRow})` : ''}` +
          (Math.max(r.roundSpread.kvsim, r.roundSpread.sdpa) > 0.03 ? ' (over 3 %: the card drifted within this call; read /SDPA with that spread)' : ''),
      );
    }
  }
  return lines.join('\n');
}
