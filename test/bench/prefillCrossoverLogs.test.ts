import { describe, expect, it } from 'vitest';
import { formatPrefillCrossover } from '../../src/gpu/prefillCrossover.js';
// @ts-expect-error: a plain-JavaScript bench script without type declarations
import { crossoverFromSweeps, parseKernelsSweep, parseXlstmSweep, xlstmSweepReps } from '../../bench/gpu/prefillCrossoverLogs.mjs';

// Lines as kernels_check sweep and xlstm_bench --prefill-sweep print them (bench/kernels/benches.cu, bench/xlstm/main.cu).
const kernelsLog = [
  'DEVICE Fake sm_90 SMs=132 L2=50 MiB mem=79.2 GiB',
  'BENCH prefill contig-mma causal bf16 B=1 q=1024 prefix=0 Hq=32 Hkv=8 D=128 ms=0.0900 TFLOP/s=50.0',
  'BENCH prefill contig     causal bf16 B=1 q=1024 prefix=0 Hq=32 Hkv=8 D=128 ms=0.0500 TFLOP/s=100.0',
  'BENCH prefill contig     causal bf16 B=1 q=4096 prefix=0 Hq=32 Hkv=8 D=128 ms=0.8000 TFLOP/s=100.0',
  'BENCH prefill contig-2nd causal bf16 B=1 q=4096 prefix=0 Hq=32 Hkv=8 D=128 ms=0.8100 TFLOP/s=99.0',
].join('\n');
const xlstmLog = ['tfla-v2 parts B=1 S=1024 state=f32 (median of 15): chunk state 1 us', 'SWEEP mlstm tfla B=1 S=1024 us=100.00 reps=15', 'SWEEP mlstm tfla B=1 S=4096 us=400.00 reps=15'].join('\n');

describe('prefillCrossoverLogs (the crossover from the two sweep logs)', () => {
  it('reads only the default kernel\'s rows and the SWEEP lines, in ms', () => {
    expect([...parseKernelsSweep(kernelsLog, 'k.log')]).toEqual([[1024, 0.05], [4096, 0.8]]);
    expect([...parseXlstmSweep(xlstmLog)]).toEqual([[1024, 0.1], [4096, 0.4]]);
  });

  it('finds the crossover with the CLI\'s code', () => {
    const r = crossoverFromSweeps(parseKernelsSweep(kernelsLog, 'k.log'), parseXlstmSweep(xlstmLog), 'Fake');
    expect(r.rows.map((x: { mlstmOverAttention: number }) => x.mlstmOverAttention)).toEqual([2, 0.5]);
    expect(r.crossovers).toEqual([{ seqLen: 2048, between: [1024, 4096], mlstmFasterAbove: true }]);
  });

  it('says in the table header when the mLSTM median is of a different count than the attention one', () => {
    expect(xlstmSweepReps(xlstmLog)).toBe(15);
    const r = crossoverFromSweeps(parseKernelsSweep(kernelsLog, 'k.log'), parseXlstmSweep(xlstmLog), 'Fake', xlstmSweepReps(xlstmLog));
    expect(formatPrefillCrossover(r).split('\n')[0]).toMatch(/median of 20 \(mLSTM: median of 15\), bf16 inputs/);
    const same = crossoverFromSweeps(parseKernelsSweep(kernelsLog, 'k.log'), parseXlstmSweep(xlstmLog), 'Fake', 20);
    expect(formatPrefillCrossover(same).split('\n')[0]).not.toMatch(/mLSTM: median/);
    // An older log's SWEEP lines carry no count (its "(median of N)" line is another timing's): said, not guessed.
    const old = xlstmLog.replace(/ reps=15/g, '');
    expect(xlstmSweepReps(old)).toBeNull();
    const unknown = crossoverFromSweeps(parseKernelsSweep(kernelsLog, 'k.log'), parseXlstmSweep(old), 'Fake', xlstmSweepReps(old));
    expect(formatPrefillCrossover(unknown).split('\n')[0]).toMatch(/median of 20 \(mLSTM: median count not recorded in its log\)/);
  });

  it('names the file and line of a contig row it cannot read, and refuses fewer than two common lengths', () => {
    const bad = 'BENCH prefill contig     causal f16 B=1 q=1024 prefix=0 Hq=32 Hkv=8 D=128 ms=0.05 TFLOP/s=1';
    expect(() => parseKernelsSweep(`x\n${bad}`, 'k.log')).toThrow(/^k\.log:2: a contig row/);
    expect(() => crossoverFromSweeps(new Map([[1024, 1]]), new Map([[1024, 1]]), 'Fake')).toThrow(/fewer than two prompt lengths/);
  });
});
