import { describe, expect, it } from 'vitest';
import { calibrate, type CalibrationGrid } from '../../src/gpu/calibrate.js';
import type { NativeAllReduceBenchOptions, NativeBinding } from '../../src/gpu/NativeBinding.js';
import { validateProfile } from '../../src/sim/cost/calibrated/readProfile.js';
import { modelPreset } from '../../src/sim/model/presets.js';
import { fakeBinding } from './fakes/fakeBinding.js';

// `kvsim calibrate --tp N` on CPU: the fake GpuModel times the per-GPU operations, a fake AllReduce
// module answers 5 us + 1 ns per byte (round numbers, not a measurement).
const GRID: Partial<CalibrationGrid> = {
  gemmTokens: [1, 64, 512], lmHeadRows: [1, 8], decodeBatch: [1, 4], decodeContext: [128, 2048], prefillChunk: [16, 1024],
  prefillContext: [0, 4096], pagedBlockSizes: [16], recurrentBatch: [1, 16], recurrentPrefillTokens: [16, 256], reps: 3,
};

function withAllReduce(b: NativeBinding, mismatches = 0): { binding: NativeBinding; asked: NativeAllReduceBenchOptions[] } {
  const asked: NativeAllReduceBenchOptions[] = [];
  const binding = Object.assign(Object.create(Object.getPrototypeOf(b) as object) as NativeBinding, b, {
    ncclStatus: () => ({ available: true, library: 'libnccl.so.2', version: 22703 }),
    allReduceBench: (o: NativeAllReduceBenchOptions) => {
      asked.push(o);
      return { library: 'libnccl.so.2', ncclVersion: 22703, ranks: o.ranks, checkElements: 10, checkMismatches: mismatches, rows: o.sizesBytes.map((bytes) => ({ bytes, samplesUs: Float64Array.from([5 + bytes * 1e-3]) })) };
    },
  });
  return { binding, asked };
}

describe('calibrate at TP > 1 measures the all-reduce table the TP cost model needs', () => {
  it('one all-reduce of tokens x hidden x 2 B per GEMM token point, over tp GPUs, into profile.allReduce (valid profile)', () => {
    const fake = fakeBinding({ timeS: () => 1e-5 });
    const { binding, asked } = withAllReduce(fake.binding);
    const progress: [number, number][] = [];
    const p = calibrate(binding, fake.info, { model: modelPreset('llama-3-8b'), gpu: 'h100-sxm-80gb', tp: 2, grid: GRID, onPoint: (_w, d, t) => progress.push([d, t]) });
    expect(asked.map((a) => [a.ranks, a.sizesBytes, a.repeats])).toEqual([[2, [1, 64, 512].map((t) => t * 4096 * 2), 3]]);
    expect(p.allReduce).toEqual({ x: [8192, 524288, 4194304], timeS: [8192, 524288, 4194304].map((b) => (5 + b * 1e-3) * 1e-6), xName: 'bytes' });
    expect(p.method).toMatch(/; allReduce: NCCL 22703 \(libnccl\.so\.2\), ncclAllReduce bf16 sum in place/);
    expect(progress.at(-1)).toEqual([progress.at(-1)![1], progress.at(-1)![1]]);
    expect(() => validateProfile(p, 'p')).not.toThrow();
  });

  it('TP 1 measures no all-reduce; a wrong sum or a build without NCCL support fails in one line', () => {
    const fake = fakeBinding({ timeS: () => 1e-5 });
    const { binding, asked } = withAllReduce(fake.binding);
    expect(calibrate(binding, fake.info, { model: modelPreset('llama-3-8b'), gpu: 'h100-sxm-80gb', tp: 1, grid: GRID }).allReduce).toBeUndefined();
    expect(asked).toEqual([]);
    expect(() => calibrate(withAllReduce(fakeBinding({ timeS: () => 1e-5 }).binding, 3).binding, fake.info, { model: modelPreset('llama-3-8b'), gpu: 'h100-sxm-80gb', tp: 2, grid: GRID })).toThrow(/^calibrate: all-reduce check: 3 of 10 elements differ/);
    expect(() => calibrate(fakeBinding({ timeS: () => 1e-5 }).binding, fake.info, { model: modelPreset('llama-3-8b'), gpu: 'h100-sxm-80gb', tp: 2, grid: GRID })).toThrow(/no AllReduce module/);
  });
});
