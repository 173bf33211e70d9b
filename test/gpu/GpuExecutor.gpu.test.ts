import { describe, expect, it } from 'vitest';
import { replayOnGpu } from '../../src/gpu/replayOnGpu.js';
import type { PolicyKind } from '../../src/sim/memory/MemoryPolicy.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';
import { gpuForTests } from './checks/gpuForTests.js';
import { warmUpContext } from './checks/warmUpContext.js';

const { gpu, skip } = gpuForTests('GpuExecutor.gpu.test');

describe.skipIf(skip !== false)('GpuExecutor on the GPU', () => {
  const cases: [string, PolicyKind][] = [
    ['llama-3-8b', 'vattention'],
    ['llama-3-8b', 'paged'],
    ['llama-3-8b', 'static'],
    ['xlstm-7b', 'recurrent'],
  ];
  for (const [model, policy] of cases) {
    it(`replays a short trace for ${model} under ${policy}, every request complete, device memory returned`, async () => {
      if (!gpu.ok) return;
      await warmUpContext();
      const before = gpu.binding.memInfo(0).freeBytes;
      const trace = await openTrace('synthetic:conv', { count: 12, seed: 5, maxContextTokens: 4096 });
      const g = await replayOnGpu({ trace, model, hardware: 'h100', policy });
      expect(g.run.config.backend).toBe('gpu');
      expect(g.run.summary.completed).toBe(g.run.summary.requests);
      expect(g.pairs.gpuS.length).toBe(g.run.summary.iterations);
      for (const t of g.pairs.gpuS) expect(t).toBeGreaterThan(0);
      const after = gpu.binding.memInfo(0).freeBytes;
      expect(Math.abs(after - before)).toBeLessThan(64 * 1024 * 1024);
    }, 300_000);
  }
});
