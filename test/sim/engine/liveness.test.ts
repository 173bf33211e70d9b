import { describe, expect, it } from 'vitest';
import { simulate } from '../../../src/sim/engine/simulate.js';
import { SlotList } from '../../../src/sim/plan/SlotList.js';
import type { RequestSpec } from '../../../src/sim/trace/RequestSpec.js';
import { TINY_KV_BYTES_PER_TOKEN as KV, tinyHardware, tinyModel } from './fixtures/tinyModel.js';

/**
 * Regression tests for the planning loop's liveness (issue 15): a request the scheduler drops, or one
 * that outgrows memory alone, used to leave the engine popping an empty waiting list forever.
 */
describe('engine liveness', () => {
  it('a lone request outgrowing memory is dropped (no-memory) and the run ends (shrunk property case)', async () => {
    // 12 blocks of 5 tokens = 60 tokens; the request peaks at 39 + 23 - 1 = 61 tokens.
    const trace: RequestSpec[] = [{ id: 0, arrivalS: 0, promptTokens: 39, outputTokens: 23 }];
    for (const scheduler of ['vllm', 'vllm-v0', 'sarathi', 'orca'] as const) {
      const r = await simulate({
        trace, model: tinyModel(64), hardware: tinyHardware(), policy: 'paged', policyOptions: { blockSizeTokens: 5 },
        capacityBytes: 64 * KV, scheduler, schedulerOptions: { maxNumSeqs: 1, maxNumBatchedTokens: 256 },
      });
      expect(r.summary.completed, scheduler).toBe(0);
      expect(r.summary.dropReasons, scheduler).toEqual({ 'no-memory': 1 });
    }
  });

  it('a prompt over the V0 batch limit is dropped and the run ends; V1 chunks it', async () => {
    const trace: RequestSpec[] = [{ id: 0, arrivalS: 0, promptTokens: 50, outputTokens: 3 }];
    const base = { trace, model: tinyModel(64), hardware: tinyHardware(), policy: 'paged' as const, capacityBytes: 64 * KV };
    const v0 = await simulate({ ...base, scheduler: 'vllm-v0', schedulerOptions: { maxNumBatchedTokens: 16 } });
    expect(v0.summary.dropReasons).toEqual({ 'over-batch-limit': 1 });
    const v1 = await simulate({ ...base, scheduler: 'vllm', schedulerOptions: { maxNumBatchedTokens: 16 } });
    expect(v1.summary.completed).toBe(1);
    expect(Math.max(...v1.iterations.prefillTokens)).toBe(16);
  });

  it('a one-token budget still serves every request', async () => {
    const trace: RequestSpec[] = [
      { id: 0, arrivalS: 0, promptTokens: 5, outputTokens: 3 },
      { id: 1, arrivalS: 0, promptTokens: 4, outputTokens: 2 },
    ];
    const r = await simulate({ trace, model: tinyModel(64), hardware: tinyHardware(), policy: 'paged', capacityBytes: 64 * KV, scheduler: 'vllm', schedulerOptions: { maxNumBatchedTokens: 1 } });
    expect(r.summary.completed).toBe(2);
  });

  it('SlotList refuses to pop or read past its ends', () => {
    const l = new SlotList();
    expect(() => l.popFront()).toThrow(/empty/);
    expect(() => l.popBack()).toThrow(/empty/);
    l.pushBack(3);
    expect(() => l.at(1)).toThrow(/outside/);
    expect(l.popFront()).toBe(3);
    expect(l.length).toBe(0);
  });
});
