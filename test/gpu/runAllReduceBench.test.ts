import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NativeAllReduceBenchOptions, NativeBinding } from '../../src/gpu/NativeBinding.js';
import { findNcclLibrary, formatAllReduceBench, runAllReduceBench } from '../../src/gpu/runAllReduceBench.js';
import { ncclRingTime } from '../../src/sim/cost/ncclRingTime.js';
import { hardwarePreset } from '../../src/sim/hardware/presets.js';
import { modelPreset } from '../../src/sim/model/presets.js';

// A stand-in for the native module: records what it was asked and answers with 10 us + 1 ns per byte
// (round numbers to check the arithmetic, not a measurement).
function fake(opts: { available?: boolean; withModule?: boolean } = {}) {
  const asked: NativeAllReduceBenchOptions[] = [];
  const b = {
    ...(opts.withModule === false
      ? {}
      : {
          ncclStatus: () => (opts.available === false ? { available: false, reason: 'NCCL not found (tried libnccl.so.2)' } : { available: true, library: 'libnccl.so.2', version: 22703 }),
          allReduceBench: (o: NativeAllReduceBenchOptions) => {
            asked.push(o);
            return {
              library: 'libnccl.so.2', ncclVersion: 22703, ranks: o.ranks, checkElements: 1000, checkMismatches: 0,
              rows: o.sizesBytes.map((bytes) => ({ bytes, samplesUs: Float64Array.from([9 + bytes * 1e-3, 10 + bytes * 1e-3, 60 + bytes * 1e-3]) })),
            };
          },
        }),
  } as unknown as NativeBinding;
  return { b, asked };
}

describe('runAllReduceBench (CPU, fake native module)', () => {
  const model = modelPreset('llama-3-70b');
  it('asks NCCL for tokens x hidden x 2 B per size the model needs, and reports median, bus bandwidth and the prediction', () => {
    const { b, asked } = fake();
    const r = runAllReduceBench(b, 'NVIDIA H100 80GB HBM3', { model, tp: 4, tokens: [32, 1], hardware: hardwarePreset('h100'), iterations: 3, repeats: 3, warmup: 1, library: '/x/libnccl.so.2' });
    expect(asked).toEqual([{ ranks: 4, sizesBytes: [8192 * 2, 32 * 8192 * 2], iterations: 3, repeats: 3, warmup: 1, library: '/x/libnccl.so.2' }]);
    const row = r.rows[1];
    expect(row).toMatchObject({ tokens: 32, bytes: 524288, medianUs: 10 + 524.288 });
    // nccl-tests: busBw = bytes / t x 2(n-1)/n.
    expect(row.busBandwidthGBs).toBeCloseTo((524288 / (534.288e-6)) * 1.5 / 1e9, 9);
    const est = ncclRingTime('allReduce', 524288, 4, hardwarePreset('h100').interconnect!, { timeS: 0, protocol: 'Simple' });
    expect(row.predictedUs).toBeCloseTo(est.timeS * 1e6, 9);
    expect(row.predictedProtocol).toBe('LL');
    expect(r.allReduce).toEqual({ x: [16384, 524288], timeS: [r.rows[0].medianUs * 1e-6, row.medianUs * 1e-6], xName: 'bytes' });
    expect(r.method).toMatch(/CUDA events around 3 back-to-back all-reduces .* median of 3 samples after 1 warm-up; NCCL_NVLS_ENABLE=0/);
    expect(formatAllReduceBench(r)).toMatch(/\n\s+32\s+524288\s+534\.3 .* LL\s+[0-9.]+\n/);
  });

  it('one rank (the single-GPU path): measured, no bus bandwidth and no prediction', () => {
    const r = runAllReduceBench(fake().b, 'card', { model, tp: 1, tokens: [1], hardware: hardwarePreset('h100') });
    expect(r.rows[0].busBandwidthGBs).toBe(0);
    expect(r.rows[0].predictedUs).toBeUndefined();
    expect(r.prediction).toBeUndefined();
  });

  it('says in one line what is missing: the module, the library, a TP that does not divide the heads', () => {
    expect(() => runAllReduceBench(fake({ withModule: false }).b, 'card', { model, tp: 2 })).toThrow(/^this native build has no AllReduce module/);
    expect(() => runAllReduceBench(fake({ available: false }).b, 'card', { model, tp: 2 })).toThrow(/^NCCL: NCCL not found/);
    expect(() => runAllReduceBench(fake().b, 'card', { model, tp: 3 })).toThrow(/tensor-parallel degree dividing 64 heads/);
  });

  it("finds NCCL: $KVSIM_NCCL_LIBRARY first, else a PyTorch wheel's nvidia/nccl/lib, else none (the loader searches)", () => {
    const root = mkdtempSync(join(tmpdir(), 'kvsim-nccl-'));
    expect(findNcclLibrary({}, [root])).toBeUndefined();
    const lib = join(root, 'python3.12', 'site-packages', 'nvidia', 'nccl', 'lib');
    mkdirSync(lib, { recursive: true });
    writeFileSync(join(lib, 'libnccl.so.2'), '');
    expect(findNcclLibrary({}, [join(root, 'absent'), root])).toBe(join(lib, 'libnccl.so.2'));
    expect(findNcclLibrary({ KVSIM_NCCL_LIBRARY: '/opt/x/libnccl.so.2' }, [root])).toBe('/opt/x/libnccl.so.2');
  });
});
