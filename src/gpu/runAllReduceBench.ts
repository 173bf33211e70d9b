import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkInt, UserError } from '../errors.js';
import type { Table1D } from '../sim/cost/calibrated/CalibrationProfile.js';
import { ncclRingTime, NCCL_RING_MODEL_SOURCE, type NcclProtocol } from '../sim/cost/ncclRingTime.js';
import { allReduceBytes } from '../sim/cost/TpCommunication.js';
import type { HardwareSpec } from '../sim/hardware/HardwareSpec.js';
import { checkTensorParallel } from '../sim/model/derived.js';
import type { ModelSpec } from '../sim/model/ModelSpec.js';
import { medianP90 } from './median.js';
import type { NativeBinding } from './NativeBinding.js';
import { nativeCall } from './nativeCall.js';

/**
 * Tokens per iteration the default sizes cover: decode batches (1 to 256 requests) and prefill
 * chunks up to vLLM V1's default token budget (8192).
 */
export const DEFAULT_ALLREDUCE_TOKENS: readonly number[] = [1, 8, 32, 64, 128, 256, 512, 2048, 8192];

/** Options of {@link runAllReduceBench}. */
export interface AllReduceBenchOptions {
  model: ModelSpec;
  /** GPUs (ranks) 0..tp-1 of this host. */
  tp: number;
  /** @defaultValue {@link DEFAULT_ALLREDUCE_TOKENS} */
  tokens?: readonly number[];
  /** All-reduces per timed sample (back to back, like nccl-tests' -n). @defaultValue 20 */
  iterations?: number;
  /** Samples per size (the median is reported). @defaultValue 10 */
  repeats?: number;
  /** Untimed all-reduces per size first. @defaultValue 5 */
  warmup?: number;
  /** libnccl.so.2 to open. @defaultValue KVSIM_NCCL_LIBRARY, else PyTorch's (found under /opt and /usr), else the loader's search */
  library?: string;
  /** The card's preset, for the prediction beside each measurement (undefined: no prediction). */
  hardware?: HardwareSpec;
  /** The command line, for provenance. */
  command?: string;
}

export interface AllReduceBenchRow {
  tokens: number;
  bytes: number;
  medianUs: number;
  p90Us: number;
  /** nccl-tests' bus bandwidth of the median: bytes/t x 2(n-1)/n, GB/s (doc/PERFORMANCE.md). */
  busBandwidthGBs: number;
  /** What the simulator predicts for this all-reduce, and the protocol its NCCL model picks. */
  predictedUs?: number;
  predictedProtocol?: NcclProtocol;
}

export interface AllReduceBenchReport {
  schema: 'kvsim.allreduce/1';
  card: string;
  gpu?: string;
  ranks: number;
  model: string;
  hiddenSize: number;
  ncclVersion: number;
  ncclLibrary: string;
  dateUtc: string;
  command?: string;
  method: string;
  check: { elements: number; mismatches: number };
  rows: AllReduceBenchRow[];
  /** The measured table in the calibration-profile form (CalibrationProfile.allReduce, at tp = ranks). */
  allReduce: Table1D;
  prediction?: string;
}

/**
 * Measures the all-reduces a tensor-parallel pass of `model` does (tokens x hidden x 2 bytes, bf16)
 * with NCCL over GPUs 0..tp-1, and puts the simulator's prediction beside each. One rank (tp 1) runs
 * NCCL's single-rank path on one GPU: it checks the build, the library and the harness, not the link.
 */
export function runAllReduceBench(binding: NativeBinding, card: string, options: AllReduceBenchOptions): AllReduceBenchReport {
  const { model } = options;
  const tp = checkTensorParallel(model, options.tp);
  const iterations = checkInt('iterations', options.iterations ?? 20, 1, 100_000);
  const repeats = checkInt('repeats', options.repeats ?? 10, 1, 10_000);
  const warmup = checkInt('warmup', options.warmup ?? 5, 0, 100_000);
  const tokens = [...(options.tokens ?? DEFAULT_ALLREDUCE_TOKENS)].sort((a, b) => a - b);
  tokens.forEach((t, i) => checkInt(`tokens[${i}]`, t, 1, 1 << 20));
  if (!binding.allReduceBench || !binding.ncclStatus) {
    throw new UserError('GPU_UNAVAILABLE', 'this native build has no AllReduce module (native/allReduceBench.cc); rebuild with `npm run build:native`');
  }
  const library = options.library ?? findNcclLibrary();
  const status = binding.ncclStatus({ library });
  if (!status.available) throw new UserError('GPU_UNAVAILABLE', `NCCL: ${status.reason}`);
  // bf16 activations, as the simulator prices them (RooflineOptions.activationBytes defaults to 2).
  const sizesBytes = tokens.map((t) => allReduceBytes(model, t, 2));
  const r = nativeCall(() => binding.allReduceBench!({ ranks: tp, sizesBytes, iterations, repeats, warmup, library }));
  const link = options.hardware?.interconnect;
  const est = { timeS: 0, protocol: 'Simple' as NcclProtocol };
  const rows = r.rows.map((row, i): AllReduceBenchRow => {
    const m = medianP90(row.samplesUs);
    const out: AllReduceBenchRow = {
      tokens: tokens[i],
      bytes: row.bytes,
      medianUs: m.median,
      p90Us: m.p90,
      busBandwidthGBs: tp > 1 ? (row.bytes / (m.median * 1e-6)) * ((2 * (tp - 1)) / tp) / 1e9 : 0,
    };
    if (link && tp > 1) {
      ncclRingTime('allReduce', row.bytes, tp, link, est);
      out.predictedUs = est.timeS * 1e6;
      out.predictedProtocol = est.protocol;
    }
    return out;
  });
  return {
    schema: 'kvsim.allreduce/1',
    card,
    gpu: options.hardware?.name,
    ranks: tp,
    model: model.name,
    hiddenSize: model.hiddenSize,
    ncclVersion: r.ncclVersion,
    ncclLibrary: r.library,
    dateUtc: new Date().toISOString(),
    command: options.command,
    method: `ncclAllReduce bf16 sum in place, one process driving ${tp} rank(s) (ncclCommInitAll, grouped calls); CUDA events around ${iterations} back-to-back all-reduces on every rank's stream, slowest rank, median of ${repeats} samples after ${warmup} warm-up; NCCL_NVLS_ENABLE=0 unless set`,
    check: { elements: r.checkElements, mismatches: r.checkMismatches },
    rows,
    allReduce: { x: rows.map((x) => x.bytes), timeS: rows.map((x) => x.medianUs * 1e-6), xName: 'bytes' },
    ...(link && tp > 1 ? { prediction: `${NCCL_RING_MODEL_SOURCE} over ${link.name}, ${link.bandwidthBytesPerS / 1e9} GB/s per direction (published)` } : {}),
  };
}

/** KVSIM_NCCL_LIBRARY, else the libnccl.so.2 a PyTorch wheel installed (nvidia/nccl/lib), else undefined (the loader's search). */
export function findNcclLibrary(env: NodeJS.ProcessEnv = process.env, roots: readonly string[] = ['/opt/torch/.venv/lib', '/usr/local/lib', '/usr/lib']): string | undefined {
  if (env.KVSIM_NCCL_LIBRARY) return env.KVSIM_NCCL_LIBRARY;
  for (const root of roots) {
    if (!existsSync(root)) continue;
    for (const py of readdirSync(root).filter((d) => d.startsWith('python3')).sort()) {
      for (const site of ['site-packages', 'dist-packages']) {
        const p = join(root, py, site, 'nvidia', 'nccl', 'lib', 'libnccl.so.2');
        if (existsSync(p)) return p;
      }
    }
  }
  return undefined;
}

/** A text table of the report: size, measured, bus bandwidth, predicted, ratio. */
export function formatAllReduceBench(r: AllReduceBenchReport): string {
  const lines = [
    `NCCL ${r.ncclVersion} (${r.ncclLibrary}) all-reduce on ${r.ranks} x ${r.card}, ${r.model} (hidden ${r.hiddenSize}, bf16), ${r.dateUtc}`,
    `check: ${r.check.mismatches} of ${r.check.elements} elements wrong`,
    'tokens       bytes  median_us   p90_us  busbw_GB/s  predicted_us  protocol  measured/predicted',
  ];
  for (const x of r.rows) {
    const pred = x.predictedUs === undefined ? '-' : x.predictedUs.toFixed(1);
    const ratio = x.predictedUs === undefined ? '-' : (x.medianUs / x.predictedUs).toFixed(2);
    lines.push(`${String(x.tokens).padStart(6)} ${String(x.bytes).padStart(11)} ${x.medianUs.toFixed(1).padStart(10)} ${x.p90Us.toFixed(1).padStart(8)} ${x.busBandwidthGBs.toFixed(1).padStart(11)} ${pred.padStart(13)} ${(x.predictedProtocol ?? '-').padStart(9)} ${ratio.padStart(19)}`);
  }
  lines.push(`method: ${r.method}`);
  if (r.prediction) lines.push(`prediction: ${r.prediction}`);
  return lines.join('\n');
}
