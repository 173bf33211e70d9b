import { expect, it } from 'vitest';
import { replayOnGpu } from '../../../src/gpu/replayOnGpu.js';
import type { PolicyKind } from '../../../src/sim/memory/MemoryPolicy.js';
import { openTrace } from '../../../src/sim/trace/openTrace.js';
import type { GpuAvailability } from '../../../src/gpu/gpuAvailability.js';
import { warmUpContext } from './warmUpContext.js';

/**
 * One GPU replay test per (model, policy): a short synthetic trace replayed on the device, every request
 * complete, every iteration timed, device free memory back within 64 MiB of where it started.
 */
export function itReplaysAndReturnsMemory(gpu: GpuAvailability, cases: [string, PolicyKind][], trace: { count: number; maxContextTokens: number }): void {
  for (const [model, policy] of cases) {
    it(`replays a short trace for ${model} under ${policy}, every request complete, device memory returned`, async () => {
      if (!gpu.ok) return;
      await warmUpContext();
      const before = gpu.binding.memInfo(0).freeBytes;
      const g = await replayOnGpu({ trace: await openTrace('synthetic:conv', { ...trace, seed: 5 }), model, hardware: 'h100', policy });
      expect(g.run.config.backend).toBe('gpu');
      expect(g.run.summary.completed).toBe(g.run.summary.requests);
      expect(g.pairs.gpuS.length).toBe(g.run.summary.iterations);
      for (const t of g.pairs.gpuS) expect(t).toBeGreaterThan(0);
      const after = gpu.binding.memInfo(0).freeBytes;
      expect(Math.abs(after - before)).toBeLessThan(64 * 1024 * 1024);
    }, 300_000);
  }
}
