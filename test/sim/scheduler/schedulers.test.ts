import { describe, expect, it } from 'vitest';
import { simulate } from '../../../src/sim/engine/simulate.js';
import { createScheduler } from '../../../src/sim/scheduler/createScheduler.js';
import type { RequestSpec } from '../../../src/sim/trace/RequestSpec.js';

const burst = (n: number, promptTokens: number, outputTokens: number): RequestSpec[] =>
  Array.from({ length: n }, (_, id) => ({ id, arrivalS: 0, promptTokens, outputTokens }));

describe('schedulers', () => {
  it('validate their options with the option named', () => {
    expect(() => createScheduler('vllm', { maxNumSeqs: 0 })).toThrow(/maxNumSeqs/);
    expect(() => createScheduler('sarathi', { tokenBudget: 1.5 })).toThrow(/tokenBudget/);
    expect(() => createScheduler('fifo')).toThrow(/Expected one of vllm, vllm-v0, sarathi, orca for scheduler/);
  });

  it.each(['vllm', 'vllm-v0', 'sarathi', 'orca'] as const)('%s respects maxNumSeqs', async (scheduler) => {
    const r = await simulate({ trace: burst(20, 64, 8), model: 'llama-3-8b', hardware: 'h100', policy: 'paged', scheduler, schedulerOptions: { maxNumSeqs: 3 } });
    expect(r.summary.maxBatch).toBe(3);
    expect(r.summary.maxConcurrentRequests).toBe(3);
    expect(r.summary.completed).toBe(20);
  });

  it('vllm-v0 keeps prefill and decode in separate iterations; vllm (V1), sarathi and orca mix them', async () => {
    const trace: RequestSpec[] = [
      { id: 0, arrivalS: 0, promptTokens: 64, outputTokens: 50 },
      { id: 1, arrivalS: 0.05, promptTokens: 64, outputTokens: 50 },
    ];
    const mixed = async (scheduler: 'vllm' | 'vllm-v0' | 'sarathi' | 'orca') => {
      const r = await simulate({ trace, model: 'llama-3-8b', hardware: 'h100', policy: 'paged', scheduler });
      return r.iterations.prefillTokens.some((p, i) => p > 0 && r.iterations.decodeTokens[i] > 0);
    };
    expect(await mixed('vllm-v0')).toBe(false);
    expect(await mixed('vllm')).toBe(true);
    expect(await mixed('sarathi')).toBe(true);
    expect(await mixed('orca')).toBe(true);
  });

  it('sarathi never exceeds its token budget and splits long prompts into chunks', async () => {
    const r = await simulate({ trace: burst(4, 1000, 20), model: 'llama-3-8b', hardware: 'h100', policy: 'paged', scheduler: 'sarathi', schedulerOptions: { tokenBudget: 256, chunkSizeTokens: 128 } });
    for (let i = 0; i < r.iterations.startS.length; i++) expect(r.iterations.prefillTokens[i] + r.iterations.decodeTokens[i]).toBeLessThanOrEqual(256);
    expect(Math.max(...r.iterations.prefillTokens)).toBe(256); // two chunks of 128
    expect(r.summary.completed).toBe(4);
  });

  it('V1 defaults follow vLLM per GPU: 8192 tokens / 1024 sequences on H100 and H200, 2048 / 256 on A100', () => {
    expect(createScheduler('vllm', {}, { gpuMemoryBytes: 80e9, gpuName: 'h100-sxm-80gb' }).options).toMatchObject({ maxNumBatchedTokens: 8192, maxNumSeqs: 1024 });
    expect(createScheduler('vllm', {}, { gpuMemoryBytes: 141e9, gpuName: 'h200-141gb' }).options).toMatchObject({ maxNumBatchedTokens: 8192, maxNumSeqs: 1024 });
    expect(createScheduler('vllm', {}, { gpuMemoryBytes: 80e9, gpuName: 'a100-80gb' }).options).toMatchObject({ maxNumBatchedTokens: 2048, maxNumSeqs: 256 });
    expect(createScheduler('vllm', { maxNumBatchedTokens: 100 }, { gpuMemoryBytes: 80e9 }).options.maxNumSeqs).toBe(100);
    expect(createScheduler('vllm-v0').options).toMatchObject({ maxNumBatchedTokens: 8192, maxNumSeqs: 256 });
    expect(() => createScheduler('vllm', { preemptionPolicy: 'lifo' as never })).toThrow(/preemptionPolicy/);
  });

  it('V1 priority preemption takes the latest arrival, even one already batched in this step', async () => {
    const GiB = 1024 ** 3;
    const trace = Array.from({ length: 30 }, (_, id): RequestSpec => ({ id, arrivalS: id * 0.001, promptTokens: 1500 + 37 * id, outputTokens: 300 }));
    const fcfs = await simulate({ trace, model: 'llama-3-8b', hardware: 'h100', policy: 'paged', scheduler: 'vllm', capacityBytes: 2 * GiB });
    const prio = await simulate({ trace, model: 'llama-3-8b', hardware: 'h100', policy: 'paged', scheduler: 'vllm', schedulerOptions: { preemptionPolicy: 'priority' }, capacityBytes: 2 * GiB });
    expect(fcfs.summary.preemptions).toBeGreaterThan(0);
    expect(prio.summary.preemptions).toBeGreaterThan(0);
    expect(prio.summary.completed).toBe(30);
    expect(prio.config.scheduler).toMatch(/preemption=priority/);
  });

  it('orca under the static policy never preempts; vllm under paged with scarce memory does', async () => {
    const GiB = 1024 ** 3;
    const trace = burst(40, 2000, 400);
    const orca = await simulate({ trace, model: 'llama-3-8b', hardware: 'h100', policy: 'static', scheduler: 'orca', capacityBytes: 4 * GiB });
    const vllm = await simulate({ trace, model: 'llama-3-8b', hardware: 'h100', policy: 'paged', scheduler: 'vllm', capacityBytes: 2 * GiB });
    expect(orca.summary.preemptions).toBe(0);
    expect(orca.summary.completed).toBe(40);
    expect(vllm.summary.preemptions).toBeGreaterThan(0);
    expect(vllm.summary.completed).toBe(40);
  });
});
