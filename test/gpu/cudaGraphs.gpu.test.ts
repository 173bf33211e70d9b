import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replayOnGpu } from '../../src/gpu/replayOnGpu.js';
import type { CalibrationProfile } from '../../src/sim/cost/calibrated/CalibrationProfile.js';
import type { PolicyKind } from '../../src/sim/memory/MemoryPolicy.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';
import { gpuForTests } from './checks/gpuForTests.js';
import { warmUpContext } from './checks/warmUpContext.js';

// Decode iterations as CUDA graphs on a real GPU (issue 14 item 4): the same short trace replayed
// eagerly and with graphs (arrivals compressed to ~0, so the plans depend on the scheduler and memory
// only, not on measured times) forms the same plans, completes every request, runs decode-only
// iterations as graphs padded to a capture size, and gives every byte of device memory back
// (graphs, the spare KV block/slot and the padding state slot included).
const { gpu, skip } = gpuForTests('cudaGraphs.gpu.test');

const PROFILE_PATH = 'profiles/h100-sxm-80gb/llama-3-8b.json';

/** The committed profile with a zero graph fit: the predictor's figures are not what is checked here. */
function graphProfile(): { profile: CalibrationProfile; path: string } {
  const p = JSON.parse(readFileSync(PROFILE_PATH, 'utf8')) as CalibrationProfile;
  for (const e of Object.values(p.enactment ?? {})) e.cudaGraphs = { iterationS: 0, iterations: 0, captureSizes: [1] };
  return { profile: p, path: PROFILE_PATH };
}

describe.skipIf(skip !== false)('CUDA graphs for decode iterations on the GPU', () => {
  for (const policy of ['paged', 'vattention', 'static'] as PolicyKind[]) {
    it(`llama-3-8b under ${policy}: same plans as eager, every request complete, decode iterations as graphs, device memory returned`, async () => {
      if (!gpu.ok) return;
      await warmUpContext();
      const before = gpu.binding.memInfo(0).freeBytes;
      const trace = () => openTrace('synthetic:conv', { count: 12, seed: 5, maxContextTokens: 2048, timeScale: 1e-6 });
      const profile = graphProfile();
      const eager = await replayOnGpu({ trace: await trace(), model: 'llama-3-8b', hardware: 'h100', policy, profile });
      const graphs = await replayOnGpu({ trace: await trace(), model: 'llama-3-8b', hardware: 'h100', policy, profile, cudaGraphs: true });
      for (const g of [eager, graphs]) {
        expect(g.run.summary.completed).toBe(g.run.summary.requests);
        for (const t of g.pairs.gpuS) expect(t).toBeGreaterThan(0);
      }
      for (const column of ['batchSize', 'prefillTokens', 'decodeTokens', 'decodeKvTokens'] as const) expect(graphs.pairs[column], column).toEqual(eager.pairs[column]);
      const rows = graphs.pairs.graphRows!;
      const sizes = graphs.captureSizes!;
      let graphed = 0;
      graphs.pairs.prefillTokens.forEach((p, i) => {
        const batch = graphs.pairs.batchSize[i];
        const want = p === 0 ? (sizes.find((s) => s >= batch) ?? 0) : 0;
        expect(rows[i], `iteration ${i} (batch ${batch}, prefill ${p})`).toBe(want);
        if (want > 0) graphed++;
      });
      expect(graphed).toBeGreaterThan(0);
      expect(eager.pairs.graphRows).toBeUndefined();
      const after = gpu.binding.memInfo(0).freeBytes;
      expect(Math.abs(after - before)).toBeLessThan(64 * 1024 * 1024);
    }, 600_000);
  }
});
