import { describe, expect, it } from 'vitest';
import { replayOnGpu } from '../../src/gpu/replayOnGpu.js';
import type { PolicyKind } from '../../src/sim/memory/MemoryPolicy.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';
import { gpuForTests } from './checks/gpuForTests.js';
import { warmUpContext } from './checks/warmUpContext.js';

// The GPU executor through recurrent layers on a real GPU: the hybrid (attention KV in a block pool or
// a VMM arena, mLSTM state slots) and xLSTM[7:1] (mLSTM and sLSTM layers; sLSTM prefill one step per
// token). Every request completes, every iteration is timed, device memory goes back.
const { gpu, skip } = gpuForTests('recurrentLayers.gpu.test');

describe.skipIf(skip !== false)('recurrent layers on the GPU', () => {
  const cases: [string, PolicyKind][] = [
    ['hybrid-7b', 'paged'],
    ['hybrid-7b', 'vattention'],
    ['xlstm71-1.3b', 'recurrent'],
  ];
  for (const [model, policy] of cases) {
    it(`replays a short trace for ${model} under ${policy}, every request complete, device memory returned`, async () => {
      if (!gpu.ok) return;
      await warmUpContext();
      const before = gpu.binding.memInfo(0).freeBytes;
      const trace = await openTrace('synthetic:conv', { count: 8, seed: 5, maxContextTokens: 2048 });
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
