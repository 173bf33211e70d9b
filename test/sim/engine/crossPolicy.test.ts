import { describe, expect, it } from 'vitest';
import { simulate } from '../../../src/sim/engine/simulate.js';
import { hardwarePreset } from '../../../src/sim/hardware/presets.js';
import { recurrentStateBytesPerRequest } from '../../../src/sim/model/derived.js';
import { modelPreset } from '../../../src/sim/model/presets.js';
import type { RunResult } from '../../../src/sim/metrics/RunResult.js';
import { collectTrace } from '../../../src/sim/trace/collectTrace.js';
import { openTrace } from '../../../src/sim/trace/openTrace.js';
import type { RequestSpec } from '../../../src/sim/trace/RequestSpec.js';

const GiB = 1024 ** 3;

/** n requests all arriving at once: the GPU fills to capacity. */
function burst(n: number, promptTokens: number, outputTokens: number): RequestSpec[] {
  return Array.from({ length: n }, (_, id) => ({ id, arrivalS: 0, promptTokens, outputTokens }));
}

function schedule(r: RunResult) {
  return { start: r.iterations.startS, batch: r.iterations.batchSize, finish: r.requests.finishS, first: r.requests.firstTokenS };
}

describe('cross-policy sanity (llama-3-8b on h100)', () => {
  it('with ample memory and kernel/allocation costs equalised, every policy gives the same schedule', async () => {
    const trace = await collectTrace(await openTrace('synthetic:conv', { count: 300, maxContextTokens: 8192 }));
    // Paged kernels as fast as contiguous ones; VMM calls free (a new prompt's pages are needed by
    // the iteration that admits it, so only look-ahead mapping can overlap: costs must be zero to equalise).
    const cost = { pagedPrefillSlowdown: 1, pagedDecodeSlowdown: 1 };
    const hardware = hardwarePreset('h100');
    hardware.vmm = { ...hardware.vmm, createS: 0, mapS: 0, setAccessS: 0, unmapS: 0, releaseS: 0 };
    const runs = await Promise.all(
      (['static', 'paged', 'vattention'] as const).map((policy) => simulate({ trace, model: 'llama-3-8b', hardware, policy, cost })),
    );
    for (const r of runs) {
      expect(r.summary.completed).toBe(300);
      expect(r.summary.preemptions).toBe(0);
      expect(r.summary.stallS).toBe(0);
    }
    expect(schedule(runs[1])).toEqual(schedule(runs[0]));
    expect(schedule(runs[2])).toEqual(schedule(runs[0]));
    // ...while memory differs: static reserves maxContext per request, paged wastes < 1 block each.
    expect(runs[0].summary.peakAllocatedBytes).toBeGreaterThan(runs[1].summary.peakAllocatedBytes);
    expect(runs[1].summary.meanFragmentationRatio).toBeLessThan(runs[2].summary.meanFragmentationRatio);
    expect(runs[2].summary.meanFragmentationRatio).toBeLessThan(runs[0].summary.meanFragmentationRatio);
  });

  it('with the default (literature) paged-kernel slowdown, paged is slower per token, same memory story', async () => {
    const trace = await collectTrace(await openTrace('synthetic:conv', { count: 200, maxContextTokens: 8192 }));
    const [contiguous, paged] = await Promise.all(
      (['vattention', 'paged'] as const).map((policy) => simulate({ trace, model: 'llama-3-8b', hardware: 'h100', policy })),
    );
    expect(paged.summary.tbtS.p50).toBeGreaterThan(contiguous.summary.tbtS.p50);
  });

  it('with scarce memory, capacity is static < vAttention(2 MiB) <= paged ≈ vAttention(64 KiB)', async () => {
    const trace = burst(120, 1000, 50);
    const common = { trace, model: 'llama-3-8b', hardware: 'h100', capacityBytes: 8 * GiB } as const;
    const [stat, paged, va2m, va64k] = await Promise.all([
      simulate({ ...common, policy: 'static' }),
      simulate({ ...common, policy: 'paged' }),
      simulate({ ...common, policy: 'vattention' }),
      simulate({ ...common, policy: 'vattention', policyOptions: { pageSizeBytes: 64 * 1024, assumePageCostS: 40e-6 } }),
    ]);
    const cap = (r: RunResult) => r.summary.maxConcurrentRequests;
    // static: 8 GiB / (8192 tokens x 128 KiB) = 8 requests; paged: ~8 GiB / (1050 tokens x 128 KiB) ≈ 62.
    expect(cap(stat)).toBe(8);
    expect(cap(stat)).toBeLessThan(cap(va2m));
    expect(cap(va2m)).toBeLessThanOrEqual(cap(paged));
    expect(Math.abs(cap(va64k) - cap(paged)) / cap(paged)).toBeLessThan(0.1);
    for (const r of [stat, paged, va2m, va64k]) expect(r.summary.completed).toBe(120);
  });

  it('xLSTM capacity does not depend on context length; attention capacity does', async () => {
    const xlstm = modelPreset('xlstm-7b');
    const state = recurrentStateBytesPerRequest(xlstm);
    const capacityBytes = 10 * state + state / 2;
    const run = (model: string, promptTokens: number, capacity: number, policy: 'recurrent' | 'paged') =>
      simulate({ trace: burst(30, promptTokens, 20), model, hardware: 'h100', policy, capacityBytes: capacity });
    const [short, long] = await Promise.all([run('xlstm-7b', 100, capacityBytes, 'recurrent'), run('xlstm-7b', 4000, capacityBytes, 'recurrent')]);
    expect(short.summary.maxConcurrentRequests).toBe(10);
    expect(long.summary.maxConcurrentRequests).toBe(10);
    const [pShort, pLong] = await Promise.all([run('llama-3-8b', 100, 2 * GiB, 'paged'), run('llama-3-8b', 4000, 2 * GiB, 'paged')]);
    // 2 GiB of KV: all 30 short requests (120 tokens x 128 KiB) fit, but only 4 long ones (4020 x 128 KiB).
    expect(pShort.summary.maxConcurrentRequests).toBe(30);
    expect(pLong.summary.maxConcurrentRequests).toBe(4);
  });
});
