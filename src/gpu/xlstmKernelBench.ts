import { benchXlstm, type XlstmBenchOptions, type XlstmBenchResult } from './xlstmKernels.js';
import type { XlstmNative } from './XlstmNative.js';

/** One row of the xLSTM part of `kvsim gpu bench kernels`. */
export interface XlstmKernelBenchRow {
  name: string;
  result: XlstmBenchResult;
  /** Achieved bandwidth over the device copy measured in the same call. */
  fractionOfCopy: number;
}

/** xLSTM-7B layer shapes on a full GPU (state and weights rotate over layers to exceed the L2). */
export const DEFAULT_XLSTM_BENCH: { name: string; options: XlstmBenchOptions }[] = [
  { name: 'mLSTM step fp32 state B=128 H8 256x512', options: { kind: 'mlstmStep', batch: 128 } },
  { name: 'mLSTM step bf16 state B=128 H8 256x512', options: { kind: 'mlstmStep', batch: 128, stateDtype: 'bf16' } },
  // The sequential row keeps its name (profiles/*/kernels.json); tfla rows beside it, same shapes.
  { name: 'mLSTM prefill fp32 state B=4 S=4096 H8 256x512', options: { kind: 'mlstmPrefill', batch: 4, seqLen: 4096, reps: 10, algorithm: 'sequential' } },
  { name: 'mLSTM prefill fp32 state B=4 S=4096 H8 256x512 tfla', options: { kind: 'mlstmPrefill', batch: 4, seqLen: 4096, reps: 10, algorithm: 'tfla' } },
  { name: 'mLSTM prefill fp32 state B=1 S=16384 H8 256x512 sequential', options: { kind: 'mlstmPrefill', batch: 1, seqLen: 16384, reps: 5, algorithm: 'sequential' } },
  { name: 'mLSTM prefill fp32 state B=1 S=16384 H8 256x512 tfla', options: { kind: 'mlstmPrefill', batch: 1, seqLen: 16384, reps: 10, algorithm: 'tfla' } },
  { name: 'sLSTM step fp32 state B=64 H4 dh512', options: { kind: 'slstmStep', batch: 64, heads: 4, headDim: 512 } },
];

/** Times the device copy (the ceiling) and each case, side by side in one call. */
export function runXlstmKernelBench(native: XlstmNative, cases = DEFAULT_XLSTM_BENCH, device = 0): { copy: XlstmBenchResult; rows: XlstmKernelBenchRow[] } {
  const copy = benchXlstm(native, { kind: 'copy', device });
  const rows = cases.map(({ name, options }) => {
    const result = benchXlstm(native, { ...options, device });
    return { name, result, fractionOfCopy: result.gbPerS / copy.gbPerS };
  });
  return { copy, rows };
}

/** A markdown table, the copy ceiling first. */
export function formatXlstmKernelBench(r: { copy: XlstmBenchResult; rows: XlstmKernelBenchRow[] }): string {
  const lines = ['| xLSTM kernel | time us | GB/s | % of copy | TFLOP/s |', '|---|---|---|---|---|'];
  lines.push(`| device copy (read + write) | ${(r.copy.medianMs * 1e3).toFixed(1)} | ${r.copy.gbPerS.toFixed(0)} | 100.0 | - |`);
  for (const row of r.rows) {
    const t = row.result.tflopPerS > 0 ? row.result.tflopPerS.toFixed(2) : '-';
    lines.push(`| ${row.name} | ${(row.result.medianMs * 1e3).toFixed(1)} | ${row.result.gbPerS.toFixed(0)} | ${(100 * row.fractionOfCopy).toFixed(1)} | ${t} |`);
  }
  return lines.join('\n');
}
