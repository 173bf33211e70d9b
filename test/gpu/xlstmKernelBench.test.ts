import { describe, expect, it } from 'vitest';
import { DEFAULT_XLSTM_BENCH, formatXlstmKernelBench, runXlstmKernelBench } from '../../src/gpu/xlstmKernelBench.js';
import type { NativeXlstmBenchOptions, XlstmNative } from '../../src/gpu/XlstmNative.js';
import type { XlstmBenchOptions } from '../../src/gpu/xlstmKernels.js';

// A stand-in binding: times and byte counts chosen per kind, so the derived rates can be checked.
function fakeNative(seen: NativeXlstmBenchOptions[]): XlstmNative {
  return {
    xlstmRun: () => new Uint16Array(0),
    xlstmBench: (o) => {
      seen.push(o);
      return o.kind === 'copy' ? { medianMs: 1, minMs: 1, bytes: 3e9, flops: 0 } : { medianMs: 2, minMs: 2, bytes: 3e9, flops: 4e12 };
    },
  };
}

describe('xLSTM kernel bench (rates derived from the binding, ceiling from the same call)', () => {
  it('divides bytes and FLOPs by the median time and relates bandwidth to the copy', () => {
    const seen: NativeXlstmBenchOptions[] = [];
    const r = runXlstmKernelBench(fakeNative(seen), [{ name: 'step', options: { kind: 'mlstmStep', batch: 16 } }]);
    expect(r.copy.gbPerS).toBeCloseTo(3000);
    expect(r.rows[0].result.gbPerS).toBeCloseTo(1500);
    expect(r.rows[0].result.tflopPerS).toBeCloseTo(2000);
    expect(r.rows[0].fractionOfCopy).toBeCloseTo(0.5);
    expect(seen.map((o) => o.kind)).toEqual(['copy', 'mlstmStep']);
    expect(seen[1]).toMatchObject({ batch: 16, heads: 8, dqk: 256, dv: 512, inputDtype: 1, stateDtype: 0 });
    expect(formatXlstmKernelBench(r)).toContain('| step | 2000.0 | 1500 | 50.0 | 2000.00 |');
  });

  it('times each prefill shape with both kernels, named by algorithm', () => {
    const seen: NativeXlstmBenchOptions[] = [];
    runXlstmKernelBench(fakeNative(seen));
    const prefill = seen.filter((o) => o.kind === 'mlstmPrefill').map((o) => `${o.batch}x${o.seqLen}:${o.algorithm}`);
    expect(prefill).toEqual(['4x4096:1', '4x4096:2', '1x16384:1', '1x16384:2']);
    const names = DEFAULT_XLSTM_BENCH.filter((c) => c.options.algorithm === 'tfla').map((c) => c.name);
    expect(names).toEqual(['mLSTM prefill fp32 state B=4 S=4096 H8 256x512 tfla', 'mLSTM prefill fp32 state B=1 S=16384 H8 256x512 tfla']);
    expect(seen.filter((o) => o.kind !== 'mlstmPrefill').every((o) => o.algorithm === 0)).toBe(true);
  });

  it('rejects an unknown prefill algorithm before the native call', () => {
    const seen: NativeXlstmBenchOptions[] = [];
    const bad = { kind: 'mlstmPrefill', algorithm: 'warp' } as unknown as XlstmBenchOptions;
    expect(() => runXlstmKernelBench(fakeNative(seen), [{ name: 'bad', options: bad }])).toThrow(/xlstmBench: algorithm/);
    expect(() => runXlstmKernelBench(fakeNative(seen), [{ name: 'step', options: { kind: 'mlstmStep', algorithm: 'tfla' } }])).toThrow(/xlstmBench: algorithm/);
    expect(seen.map((o) => o.kind)).toEqual(['copy', 'copy']);
  });

  it('validates shapes before the native call', () => {
    const seen: NativeXlstmBenchOptions[] = [];
    expect(() => runXlstmKernelBench(fakeNative(seen), [{ name: 'bad', options: { kind: 'mlstmPrefill', dqk: 300 } }])).toThrow(/xlstmBench: dqk/);
    expect(seen.map((o) => o.kind)).toEqual(['copy']);
  });
});
