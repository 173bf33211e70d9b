import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulate, type SimulationConfig } from '../../../src/sim/engine/simulate.js';
import type { IterationObserver } from '../../../src/sim/engine/IterationObserver.js';
import type { RequestSpec } from '../../../src/sim/trace/RequestSpec.js';
import { TINY_KV_BYTES_PER_TOKEN as KV, tinyHardware, tinyModel } from '../engine/fixtures/tinyModel.js';

// Review: the V1 'priority' path (BatchPlan.removeSlot, re-finding the index) has no property test.
// Same invariants as test/sim/engine/engine.property.test.ts, with preemptionPolicy 'priority'.
const RUNS = Number(process.env.KVSIM_PROPERTY_RUNS ?? 300);
const SEED = Number(process.env.KVSIM_PROPERTY_SEED ?? 20261206);

const traceArb = fc
  .array(fc.record({ gapS: fc.oneof(fc.constant(0), fc.double({ min: 0.0001, max: 0.05, noNaN: true })), promptTokens: fc.integer({ min: 1, max: 40 }), outputTokens: fc.integer({ min: 1, max: 24 }), family: fc.integer({ min: 0, max: 2 }), named: fc.integer({ min: 0, max: 10 }) }), { minLength: 1, maxLength: 20 })
  .map((rows) => {
    let t = 0;
    return rows.map((r, id): RequestSpec => {
      t += r.gapS;
      const n = Math.min(r.named, Math.ceil(r.promptTokens / 4));
      const ids = Array.from({ length: n }, (_, i) => r.family * 100 + i);
      return n > 0 ? { id, arrivalS: t, promptTokens: r.promptTokens, outputTokens: r.outputTokens, prefixBlockIds: ids, prefixBlockTokens: 4 } : { id, arrivalS: t, promptTokens: r.promptTokens, outputTokens: r.outputTokens };
    });
  });

const setupArb = fc.record({ caching: fc.boolean(), bs: fc.integer({ min: 1, max: 8 }), cap: fc.integer({ min: 64, max: 400 }), budget: fc.integer({ min: 8, max: 128 }), seqs: fc.constantFrom(1, 2, 5, 256), thr: fc.constantFrom(0, 0, 5) });

function cfg(trace: RequestSpec[], s: typeof setupArb extends fc.Arbitrary<infer T> ? T : never, skipAhead: boolean, observer?: IterationObserver): SimulationConfig {
  return { trace, model: tinyModel(64), hardware: tinyHardware(), policy: 'paged', policyOptions: { blockSizeTokens: s.bs, enablePrefixCaching: s.caching }, capacityBytes: s.cap * KV, scheduler: 'vllm', schedulerOptions: { preemptionPolicy: 'priority', maxNumBatchedTokens: s.budget, maxNumSeqs: s.seqs, longPrefillTokenThreshold: s.thr }, engine: { skipAhead, observer } };
}

describe('review: V1 priority preemption on random traces', () => {
  it('every request finishes once with all its tokens; budget respected; skip-ahead identical', async () => {
    await fc.assert(
      fc.asyncProperty(traceArb, setupArb, async (trace, s) => {
        const problems: string[] = [];
        const tokens = new Map<number, number>();
        const obs: IterationObserver = {
          onIteration(plan) {
            let n = 0;
            const seen = new Set<number>();
            for (let i = 0; i < plan.batchSize; i++) {
              n += plan.prefillTokens[i] + plan.decodeTokens[i];
              if (seen.has(plan.requestIds[i])) problems.push(`dup ${plan.requestIds[i]} in ${plan.index}`);
              seen.add(plan.requestIds[i]);
              if (plan.prefillTokens[i] + plan.decodeTokens[i] <= 0) problems.push(`empty entry ${plan.requestIds[i]}`);
            }
            if (n > s.budget) problems.push(`budget ${n} > ${s.budget} at ${plan.index}`);
          },
          onToken(id) {
            tokens.set(id, (tokens.get(id) ?? 0) + 1);
          },
        };
        const observed = await simulate(cfg(trace, s, true, obs));
        expect(problems).toEqual([]);
        for (const q of trace) if (observed.requests.finishS[q.id] === observed.requests.finishS[q.id] && !Number.isNaN(observed.requests.finishS[q.id])) expect(tokens.get(q.id)).toBe(q.outputTokens);
        const a = JSON.stringify(await simulate(cfg(trace, s, true)));
        const b = JSON.stringify(await simulate(cfg(trace, s, false)));
        expect(a).toBe(b);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
