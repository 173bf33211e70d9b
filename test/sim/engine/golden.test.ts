import { describe, expect, it } from 'vitest';
import { simulate } from '../../../src/sim/engine/simulate.js';
import type { RunResult } from '../../../src/sim/metrics/RunResult.js';
import type { RequestSpec } from '../../../src/sim/trace/RequestSpec.js';
import { LinearCostModel } from './fixtures/LinearCostModel.js';
import { TINY_KV_BYTES_PER_TOKEN as KV, tinyHardware, tinyModel } from './fixtures/tinyModel.js';

// Hand-computed scenarios. Durations follow the test cost model: 10 ms + 1 ms per prefill token +
// 0.1 ms per KV token a decode reads (context + 1). Written the way the model evaluates it, so the
// expected times are exact, not approximate.
const d = (prefill: number, decodeKv: number) => 0.01 + 0.001 * prefill + 0.0001 * decodeKv;
const BLOCK = 4 * KV; // paged block of 4 tokens = 512 bytes

function req(id: number, arrivalS: number, promptTokens: number, outputTokens: number): RequestSpec {
  return { id, arrivalS, promptTokens, outputTokens };
}

async function run(
  trace: RequestSpec[],
  policy: 'paged' | 'static',
  capacityBytes: number,
  scheduler: 'vllm' | 'vllm-v0' | 'sarathi' | 'orca',
  skipAhead: boolean,
  schedulerOptions = {},
  maxContextTokens = 64,
): Promise<RunResult> {
  return simulate({
    trace,
    model: tinyModel(maxContextTokens),
    hardware: tinyHardware(),
    policy,
    policyOptions: policy === 'paged' ? { blockSizeTokens: 4, watermark: 0 } : {},
    capacityBytes,
    scheduler,
    schedulerOptions,
    costModel: new LinearCostModel(),
    engine: { skipAhead },
  });
}

describe.each([true, false])('golden scenarios (skipAhead=%s)', (skipAhead) => {
  it('vLLM V0, ample memory: prefill-first batches, exact token times and paged memory', async () => {
    const r = await run([req(0, 0, 8, 3), req(1, 0.015, 4, 2)], 'paged', 100 * BLOCK, 'vllm-v0', skipAhead);
    // iter0 [0]: prefill r0 (8); r1 arrives during it. iter1: prefill r1 (4) — prefill first.
    // iter2: decode r0 (ctx 8 -> reads 9) and r1 (ctx 4 -> reads 5). r1 done. iter3: decode r0 (reads 10).
    const t1 = 0 + d(8, 0);
    const t2 = t1 + d(4, 0);
    const t3 = t2 + d(0, 9 + 5);
    const t4 = t3 + d(0, 10);
    expect(r.iterations.startS).toEqual([0, t1, t2, t3]);
    expect(r.iterations.batchSize).toEqual([1, 1, 2, 1]);
    expect(r.iterations.prefillTokens).toEqual([8, 4, 0, 0]);
    expect(r.iterations.decodeTokens).toEqual([0, 0, 2, 1]);
    expect(r.requests.firstTokenS).toEqual([t1, t2]);
    expect(r.requests.finishS).toEqual([t4, t3]);
    expect(r.requests.admittedS).toEqual([0, t1]);
    // Memory during each iteration: live tokens x 128 B; blocks of 4 tokens.
    expect(r.iterations.liveBytes).toEqual([8 * KV, 12 * KV, 14 * KV, 10 * KV]);
    expect(r.iterations.allocatedBytes).toEqual([2 * BLOCK, 3 * BLOCK, 5 * BLOCK, 3 * BLOCK]);
    expect(r.iterations.fragmentationBytes).toEqual([0, 0, 6 * KV, 2 * KV]);
    const s = r.summary;
    expect(s.completed).toBe(2);
    expect(s.makespanS).toBe(t4);
    expect(s.maxBatch).toBe(2);
    expect(s.meanBatch).toBe(5 / 4);
    expect(s.peakAllocatedBytes).toBe(5 * BLOCK);
    expect(s.preemptions).toBe(0);
    expect(s.tbtS.max).toBe(t3 - t1);
    expect(s.e2eS.max).toBe(t4);
    expect(s.ttftS.mean).toBe((t1 + (t2 - 0.015)) / 2);
  });

  it('vLLM V0, scarce memory: recompute preemption of the newest request', async () => {
    // 4 blocks of 4 tokens. Both prompts fit (2 blocks each); r0's first decode needs a 3rd block.
    const r = await run([req(0, 0, 8, 4), req(1, 0, 7, 3)], 'paged', 4 * BLOCK, 'vllm-v0', skipAhead);
    const t1 = d(15, 0); // both prefills
    const t2 = t1 + d(0, 9); // r1 preempted to give r0 its 3rd block; r0 decodes alone
    const t3 = t2 + d(0, 10); // r1 (needs 8 tokens = 2 blocks, 1 free) cannot come back
    const t4 = t3 + d(0, 11); // r0 emits its 4th token and finishes
    const t5 = t4 + d(8, 0); // r1 recomputes prompt + 1 generated token, emits its 2nd token
    const t6 = t5 + d(0, 9); // r1's last token
    expect(r.iterations.startS).toEqual([0, t1, t2, t3, t4, t5]);
    expect(r.iterations.batchSize).toEqual([2, 1, 1, 1, 1, 1]);
    expect(r.requests.preemptions).toEqual([0, 1]);
    expect(r.requests.firstTokenS).toEqual([t1, t1]);
    expect(r.requests.finishS).toEqual([t4, t6]);
    expect(r.summary.preemptions).toBe(1);
    expect(r.summary.refused).toBe(1); // r1's readmission was refused (once counted)
    expect(r.iterations.allocatedBytes).toEqual([4 * BLOCK, 3 * BLOCK, 3 * BLOCK, 3 * BLOCK, 2 * BLOCK, 3 * BLOCK]);
    expect(r.iterations.liveBytes).toEqual([15 * KV, 9 * KV, 10 * KV, 11 * KV, 8 * KV, 9 * KV]);
    // r1's gap spans its preemption: from its first token to the recomputed second.
    expect(r.summary.tbtS.max).toBe(t5 - t1);
  });

  it('Sarathi: chunks under a token budget, decodes first; an arrival at an iteration end joins it', async () => {
    const r = await run([req(0, 0, 10, 2), req(1, d(6, 0), 3, 1)], 'paged', 100 * BLOCK, 'sarathi', skipAhead, { tokenBudget: 6 });
    const t1 = d(6, 0); // r0 chunk 6
    const t2 = t1 + d(6, 0); // r0 chunk 4 + r1 (arrived exactly at t1) chunk 2
    const t3 = t2 + d(1, 11); // r0 decode (reads 11) first, then r1's last chunk of 1
    expect(r.iterations.startS).toEqual([0, t1, t2]);
    expect(r.iterations.prefillTokens).toEqual([6, 6, 1]);
    expect(r.iterations.decodeTokens).toEqual([0, 0, 1]);
    expect(r.requests.firstTokenS).toEqual([t2, t3]);
    expect(r.requests.finishS).toEqual([t3, t3]);
    expect(r.iterations.liveBytes).toEqual([6 * KV, 12 * KV, 14 * KV]);
  });

  it('Orca with static reservation: admits only what fits whole, mixes prefills with decodes', async () => {
    // maxContext 16 tokens: each request reserves 16 x 128 B; room for two.
    const trace = [req(0, 0, 4, 2), req(1, 0, 4, 2), req(2, 0, 4, 2)];
    const r = await run(trace, 'static', 2 * 16 * KV, 'orca', skipAhead, {}, 16);
    const t1 = d(8, 0);
    const t2 = t1 + d(0, 10);
    const t3 = t2 + d(4, 0);
    const t4 = t3 + d(0, 5);
    expect(r.iterations.startS).toEqual([0, t1, t2, t3]);
    expect(r.requests.finishS).toEqual([t2, t2, t4]);
    expect(r.requests.admittedS).toEqual([0, 0, t2]);
    expect(r.iterations.allocatedBytes).toEqual([32 * KV, 32 * KV, 16 * KV, 16 * KV]);
    expect(r.iterations.reservedBytes).toEqual([32 * KV, 32 * KV, 16 * KV, 16 * KV]);
    expect(r.iterations.liveBytes).toEqual([8 * KV, 10 * KV, 4 * KV, 5 * KV]);
    expect(r.summary.preemptions).toBe(0);
    expect(r.summary.maxConcurrentRequests).toBe(2);
  });

  it('drops prompts of the whole context, cuts outputs to fit it (as vLLM does), and says so', async () => {
    // maxContext 16: r0's prompt fills it (refused, too-long); r1 fits; r2 (10 + 8) is served with 6
    // output tokens (max_tokens clamped to max_model_len - prompt).
    const r = await run([req(0, 0, 16, 2), req(1, 0, 4, 2), req(2, 0, 10, 8)], 'static', 4 * 16 * KV, 'vllm-v0', skipAhead, {}, 16);
    expect(r.summary.dropped).toBe(1);
    expect(r.summary.dropReasons).toEqual({ 'too-long': 1 });
    expect(r.summary.lengthCapped).toBe(1);
    expect(r.summary.completed).toBe(2);
    expect(r.requests.finishS[0]).toBeNaN();
    expect(r.requests.outputTokens[2]).toBe(6);
    expect(r.requests.finishS[1]).toBe(d(14, 0) + d(0, 5 + 11));
  });
});
