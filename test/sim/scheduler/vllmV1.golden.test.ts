import { describe, expect, it } from 'vitest';
import { simulate } from '../../../src/sim/engine/simulate.js';
import type { RunResult } from '../../../src/sim/metrics/RunResult.js';
import type { RequestSpec } from '../../../src/sim/trace/RequestSpec.js';
import { LinearCostModel } from '../engine/fixtures/LinearCostModel.js';
import { TINY_KV_BYTES_PER_TOKEN as KV, tinyHardware, tinyModel } from '../engine/fixtures/tinyModel.js';

// Scenarios derived by hand from vLLM V1's rules (vllm/v1/core/sched/scheduler.py, Scheduler.schedule;
// vllm/v1/core/kv_cache_manager.py; vllm/v1/core/block_pool.py). Durations follow the test cost model:
// 10 ms + 1 ms per prefill token + 0.1 ms per KV token a decode reads (context + 1), evaluated the way
// the model evaluates it, so expected times are exact.
const d = (prefill: number, decodeKv: number) => 0.01 + 0.001 * prefill + 0.0001 * decodeKv;
const BLOCK = 4 * KV; // blocks of 4 tokens

function req(id: number, arrivalS: number, promptTokens: number, outputTokens: number, ids?: number[]): RequestSpec {
  return ids ? { id, arrivalS, promptTokens, outputTokens, prefixBlockIds: ids, prefixBlockTokens: 4 } : { id, arrivalS, promptTokens, outputTokens };
}

async function run(trace: RequestSpec[], blocks: number, maxNumBatchedTokens: number, skipAhead: boolean, caching?: boolean): Promise<RunResult> {
  return simulate({
    trace,
    model: tinyModel(64),
    hardware: tinyHardware(),
    policy: 'paged',
    policyOptions: { blockSizeTokens: 4, ...(caching === undefined ? {} : { enablePrefixCaching: caching }) },
    capacityBytes: blocks * BLOCK,
    scheduler: 'vllm',
    schedulerOptions: { maxNumBatchedTokens },
    costModel: new LinearCostModel(),
    engine: { skipAhead },
  });
}

describe.each([true, false])('vLLM V1 golden scenarios (skipAhead=%s)', (skipAhead) => {
  it('one budget, running first; a long prompt is chunked; a new prompt joins a partial prefill', async () => {
    const r = await run([req(0, 0, 10, 3), req(1, 0, 4, 2)], 100, 8, skipAhead);
    // step 0: r0 is chunked to the budget (8); nothing left for r1.
    // step 1: running first: r0's last 2 prompt tokens, then r1's whole prompt (4) — 6 of 8.
    // step 2: decodes r0 (context 10, reads 11) and r1 (reads 5); r1 finishes. step 3: r0 (reads 12).
    const t1 = d(8, 0);
    const t2 = t1 + d(6, 0);
    const t3 = t2 + d(0, 16);
    const t4 = t3 + d(0, 12);
    expect(r.iterations.startS).toEqual([0, t1, t2, t3]);
    expect(r.iterations.prefillTokens).toEqual([8, 6, 0, 0]);
    expect(r.iterations.decodeTokens).toEqual([0, 0, 2, 1]);
    expect(r.iterations.batchSize).toEqual([1, 2, 2, 1]);
    expect(r.requests.firstTokenS).toEqual([t2, t2]);
    expect(r.requests.finishS).toEqual([t4, t3]);
    expect(r.config.scheduler).toMatch(/^vllm-v1\(/);
  });

  it('preemption of the last running request, head-of-line waiting, its own cached block re-hit, evictions', async () => {
    // 4 blocks of 4 tokens. r0 (8 tokens) and r1 (7) take all 4; r2 cannot be admitted.
    const r = await run([req(0, 0, 8, 4), req(1, 0, 7, 3), req(2, 0, 4, 1)], 4, 64, skipAhead);
    const t1 = d(15, 0); // prefills r0 + r1
    const t2 = t1 + d(0, 9); // r0 needs a 3rd block: r1 (last) preempted; no admission in this step
    const t3 = t2 + d(0, 10); // r1 (front of waiting, 8 tokens) needs 2 blocks, 1 free: refused; r2 waits behind it
    const t4 = t3 + d(0, 11); // r0 finishes
    // r1 re-hits its first block (its cached content survived: freed content-less blocks are reused
    // first), computes 4 tokens; r2 is admitted with it (4 tokens).
    const t5 = t4 + d(8, 0);
    const t6 = t5 + d(0, 9); // r1's last token
    expect(r.iterations.startS).toEqual([0, t1, t2, t3, t4, t5]);
    expect(r.iterations.prefillTokens).toEqual([15, 0, 0, 0, 8, 0]);
    expect(r.iterations.batchSize).toEqual([2, 1, 1, 1, 2, 1]);
    expect(r.iterations.prefixHitTokens).toEqual([0, 0, 0, 0, 4, 0]);
    expect(r.requests.preemptions).toEqual([0, 1, 0]);
    expect(r.requests.finishS).toEqual([t4, t6, t5]);
    expect(r.summary.preemptions).toBe(1);
    expect(r.summary.refused).toBe(2); // r2 in step 0, r1 in step 2
    // First lookups r0, r1, r2 (19 prompt tokens, no hit); r1's re-admission (8 content tokens) re-hit 4,
    // counted apart as vLLM's PrefixCacheStats does; r2 and r1's third block evicted r0's two cached blocks.
    expect(r.summary.prefixCache).toEqual({
      lookups: 3, queryTokens: 19, hitTokens: 0, hitRate: 0, resumedLookups: 1, resumedQueryTokens: 8, resumedHitTokens: 4, hitBlocks: 1, evictions: 2,
    });
  });

  it('a shared prompt prefix is reused across requests: cached tokens skip prefill', async () => {
    // r0 names its first 8 prompt tokens [1, 2]; r1, arriving when r0 has finished, shares them.
    const trace = [req(0, 0, 9, 1, [1, 2, 7]), req(1, d(9, 0), 10, 1, [1, 2, 9])];
    const r = await run(trace, 100, 64, skipAhead);
    expect(r.iterations.prefillTokens).toEqual([9, 2]);
    expect(r.iterations.prefixHitTokens).toEqual([0, 8]);
    expect(r.summary.prefixCache).toMatchObject({ lookups: 2, queryTokens: 19, hitTokens: 8, hitBlocks: 2, evictions: 0 });
    const off = await run(trace, 100, 64, skipAhead, false);
    expect(off.iterations.prefillTokens).toEqual([9, 10]);
    expect(off.summary.prefixCache).toBeUndefined();
  });

  it('a hit never covers the last prompt token (whole blocks, at most prompt - 1)', async () => {
    // r1's prompt is exactly r0's first 8 tokens: only 4 (one block) can be reused.
    const trace = [req(0, 0, 9, 1, [1, 2, 7]), req(1, d(9, 0), 8, 1, [1, 2])];
    const r = await run(trace, 100, 64, skipAhead);
    expect(r.iterations.prefillTokens).toEqual([9, 4]);
  });
});
