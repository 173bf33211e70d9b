import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IterationObserver } from '../../../src/sim/engine/IterationObserver.js';
import { simulate, type SimulationConfig } from '../../../src/sim/engine/simulate.js';
import type { RequestSpec } from '../../../src/sim/trace/RequestSpec.js';
import { TINY_KV_BYTES_PER_TOKEN as KV, TINY_STATE_BYTES, tinyHardware, tinyHybridModel, tinyModel, tinyRecurrentModel } from './fixtures/tinyModel.js';

// 600 runs find the shrunk liveness case of issue 15 (a lone request outgrowing memory) within CI's
// time; the soak (KVSIM_PROPERTY_RUNS=20000) runs the same properties longer.
const RUNS = Number(process.env.KVSIM_PROPERTY_RUNS ?? 600);
const SEED = Number(process.env.KVSIM_PROPERTY_SEED ?? 20261206);

/** Random traces: bursts (gap 0) and spaced arrivals; lengths fit the tiny model's 64-token context. */
const traceArb = fc
  .array(
    fc.record({
      gapS: fc.oneof(fc.constant(0), fc.double({ min: 0.0001, max: 0.2, noNaN: true })),
      promptTokens: fc.integer({ min: 1, max: 40 }),
      outputTokens: fc.integer({ min: 1, max: 24 }),
      // Prefix structure: a family (shared leading blocks) and how many of its 4-token blocks it names.
      family: fc.integer({ min: 0, max: 3 }),
      named: fc.integer({ min: 0, max: 10 }),
    }),
    { minLength: 1, maxLength: 24 },
  )
  .map((rows) => {
    let t = 0;
    return rows.map((r, id): RequestSpec => {
      t += r.gapS;
      const n = Math.min(r.named, Math.ceil(r.promptTokens / 4));
      const ids = Array.from({ length: n }, (_, i) => r.family * 100 + i);
      return n > 0
        ? { id, arrivalS: t, promptTokens: r.promptTokens, outputTokens: r.outputTokens, prefixBlockIds: ids, prefixBlockTokens: 4 }
        : { id, arrivalS: t, promptTokens: r.promptTokens, outputTokens: r.outputTokens };
    });
  });

const setupArb = fc.record({
  policy: fc.constantFrom<'static' | 'paged' | 'vattention' | 'recurrent' | 'hybrid'>('static', 'paged', 'vattention', 'recurrent', 'hybrid'),
  stateSlots: fc.integer({ min: 1, max: 30 }),
  scheduler: fc.constantFrom('vllm' as const, 'vllm-v0' as const, 'sarathi' as const, 'orca' as const),
  caching: fc.boolean(),
  blockSizeTokens: fc.integer({ min: 1, max: 8 }),
  // From "two requests at most" to plenty; vAttention pages hold 1024 tiny tokens, so it gets page groups.
  capacityTokens: fc.integer({ min: 64, max: 1200 }),
  vattentionGroups: fc.integer({ min: 2, max: 40 }),
  maxNumSeqs: fc.constantFrom<number>(1, 2, 5, 256),
  tokenBudget: fc.integer({ min: 8, max: 128 }),
  deferred: fc.boolean(),
  eagerPages: fc.constantFrom(0, 0, 1, 2),
  mapping: fc.constantFrom('overlapped' as const, 'sync' as const),
});

type Setup = typeof setupArb extends fc.Arbitrary<infer T> ? T : never;

function config(trace: RequestSpec[], s: Setup, skipAhead: boolean, observer?: IterationObserver): SimulationConfig {
  const policyOptions =
    s.policy === 'paged'
      ? { blockSizeTokens: s.blockSizeTokens, enablePrefixCaching: s.caching }
      : s.policy === 'vattention'
        ? { pageSizeBytes: 64 * 1024, assumePageCostS: 40e-6, deferredReclamation: s.deferred, mapping: s.mapping, eagerPages: s.eagerPages }
        : s.policy === 'hybrid'
          ? { attention: 'paged' as const, attentionOptions: { blockSizeTokens: s.blockSizeTokens }, recurrentFraction: (s.stateSlots * TINY_STATE_BYTES) / (s.capacityTokens * KV + s.stateSlots * TINY_STATE_BYTES) }
          : {};
  return {
    trace,
    // vAttention's smallest page is 64 KiB: a wider model makes its page groups 32 tokens.
    model: s.policy === 'vattention' ? tinyModel(64, 8, 128) : s.policy === 'recurrent' ? tinyRecurrentModel() : s.policy === 'hybrid' ? tinyHybridModel(64) : tinyModel(64),
    hardware: tinyHardware(),
    policy: s.policy,
    policyOptions,
    capacityBytes:
      s.policy === 'vattention'
        ? s.vattentionGroups * 2 * 64 * 1024
        : s.policy === 'recurrent'
          ? s.stateSlots * TINY_STATE_BYTES
          : s.policy === 'hybrid'
            ? s.capacityTokens * KV + s.stateSlots * TINY_STATE_BYTES
            : s.capacityTokens * KV,
    scheduler: s.scheduler,
    schedulerOptions: { maxNumSeqs: s.maxNumSeqs, tokenBudget: s.tokenBudget, maxNumBatchedTokens: s.scheduler === 'vllm' ? s.tokenBudget : 256 },
    engine: { skipAhead, observer },
    seed: 7,
  };
}

describe('engine invariants on random traces', () => {
  it('every request finishes exactly once with its output tokens, times increase, memory is conserved', async () => {
    await fc.assert(
      fc.asyncProperty(traceArb, setupArb, async (trace, s) => {
        const tokens = new Map<number, number[]>();
        const finished = new Map<number, number>();
        const dropped = new Set<number>();
        let lastEndS = 0;
        const problems: string[] = [];
        const observer: IterationObserver = {
          onIteration(plan, cost, mem, endS) {
            if (mem.allocatedBytes + mem.freeBytes !== mem.capacityBytes) problems.push(`conservation at iteration ${plan.index}`);
            if (mem.liveBytes > mem.allocatedBytes) problems.push(`live > allocated at iteration ${plan.index}`);
            if (plan.startS < lastEndS) problems.push(`iteration ${plan.index} starts before the previous ended`);
            if (!(cost.durationS > 0) || endS !== plan.startS + cost.durationS) problems.push(`bad duration at ${plan.index}`);
            for (let i = 0; i < plan.batchSize; i++) {
              const id = plan.requestIds[i];
              if (plan.startS < trace[id].arrivalS) problems.push(`request ${id} runs before it arrives`);
              if (plan.prefillTokens[i] + plan.decodeTokens[i] <= 0) problems.push(`empty entry for ${id}`);
            }
            lastEndS = endS;
          },
          onToken(id, timeS) {
            const list = tokens.get(id) ?? [];
            if (list.length > 0 && !(timeS > list[list.length - 1])) problems.push(`token times of ${id} do not increase`);
            list.push(timeS);
            tokens.set(id, list);
          },
          onFinish(id, timeS) {
            finished.set(id, (finished.get(id) ?? 0) + 1);
            if (timeS !== tokens.get(id)?.at(-1)) problems.push(`request ${id} finished away from its last token`);
          },
          onDrop(id) {
            dropped.add(id);
          },
        };
        const r = await simulate(config(trace, s, true, observer));
        expect(problems).toEqual([]);
        for (const q of trace) {
          if (dropped.has(q.id)) {
            expect(finished.has(q.id)).toBe(false);
            continue;
          }
          expect(finished.get(q.id)).toBe(1);
          expect(tokens.get(q.id)?.length).toBe(q.outputTokens);
          expect(r.requests.admittedS[q.id]).toBeGreaterThanOrEqual(q.arrivalS);
          expect(r.requests.firstTokenS[q.id]).toBeGreaterThan(q.arrivalS);
        }
        expect(r.summary.completed + (r.summary.dropped ?? 0)).toBe(trace.length);
        expect(r.summary.completed).toBe(finished.size);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('with room for every request, nothing is dropped', async () => {
    await fc.assert(
      fc.asyncProperty(traceArb, setupArb, async (trace, s) => {
        const roomy = { ...s, capacityTokens: 1200, vattentionGroups: 24 * 3, stateSlots: 30, maxNumSeqs: 256 };
        const r = await simulate(config(trace, roomy, true));
        expect(r.summary.dropped).toBe(0);
        expect(r.summary.completed).toBe(trace.length);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('skip-ahead gives byte-identical results to single-stepping (and to an observed run)', async () => {
    await fc.assert(
      fc.asyncProperty(traceArb, setupArb, async (trace, s) => {
        const skipped = JSON.stringify(await simulate(config(trace, s, true)));
        const stepped = JSON.stringify(await simulate(config(trace, s, false)));
        const observed = JSON.stringify(await simulate(config(trace, s, true, { onIteration() {} })));
        expect(skipped).toBe(stepped);
        expect(observed).toBe(stepped);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
