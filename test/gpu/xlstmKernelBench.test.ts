import { describe, expect, it } from 'vitest';
import { formatXlstmKernelBench, runXlstmKernelBench } from '../../src/gpu/xlstmKernelBench.js';
import type { NativeXlstmBenchOptions, XlstmNative } from '../../src/gpu/XlstmNative.js';

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

  it('validates shapes before the native call', () => {
    const seen: NativeXlstmBenchOptions[] = [];
    expect(() => runXlstmKernelBench(fakeNative(seen), [{ name: 'bad', options: { kind: 'mlstmPrefill', dqk: 300 } }])).toThrow(/xlstmBench: dqk/);
    expect(seen.map((o) => o.kind)).toEqual(['copy']);
  });
});
