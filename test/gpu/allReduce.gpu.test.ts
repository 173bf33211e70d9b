import { describe, expect, it } from 'vitest';
import { detectGpuPreset } from '../../src/gpu/detectGpuPreset.js';
import { findNcclLibrary, formatAllReduceBench, runAllReduceBench } from '../../src/gpu/runAllReduceBench.js';
import { hardwarePreset } from '../../src/sim/hardware/presets.js';
import { modelPreset } from '../../src/sim/model/presets.js';
import { gpuForTests } from './checks/gpuForTests.js';

// NCCL all-reduce on the GPUs of this host: 2 ranks where 2 GPUs are visible, else NCCL's single-rank
// path on one GPU (it checks the dlopen, the harness and the correctness check, not the link).
const { gpu: a, skip } = gpuForTests('allReduce.gpu.test', (g) => {
  if (!g.binding.ncclStatus) return 'this addon build has no AllReduce module';
  const s = g.binding.ncclStatus({ library: findNcclLibrary() });
  return s.available ? undefined : `NCCL unavailable: ${s.reason}`;
});
const why = skip === false ? '' : ` (skipped: ${skip})`;

describe.skipIf(!a.ok || skip !== false)(`NCCL all-reduce on this host${why}`, () => {
  it('sums correctly and reports a time per size; with 2+ GPUs beside the simulator prediction', () => {
    if (!a.ok) return;
    const tp = Math.min(2, a.binding.probe().deviceCount);
    const preset = detectGpuPreset(a.info.name);
    const r = runAllReduceBench(a.binding, a.info.name, {
      model: modelPreset('llama-3-8b'), tp, tokens: [1, 64, 2048], iterations: 5, repeats: 3, warmup: 2, hardware: preset ? hardwarePreset(preset) : undefined,
    });
    console.info(formatAllReduceBench(r));
    expect(r.check.mismatches).toBe(0);
    expect(r.check.elements).toBe(2048 * 4096 * tp);
    expect(r.ncclVersion).toBeGreaterThan(20000);
    for (const row of r.rows) expect(row.medianUs).toBeGreaterThan(0);
    if (tp > 1 && preset) for (const row of r.rows) expect(row.predictedUs).toBeGreaterThan(0);
  });
});
