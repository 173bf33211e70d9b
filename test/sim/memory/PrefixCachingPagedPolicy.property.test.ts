import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PrefixCachingPagedPolicy } from '../../../src/sim/memory/PrefixCachingPagedPolicy.js';
import { PrefixKeys } from '../../../src/sim/memory/PrefixKeys.js';
import { simulate, type SimulationConfig } from '../../../src/sim/engine/simulate.js';
import type { RequestSpec } from '../../../src/sim/trace/RequestSpec.js';
import { ctxFor, LLAMA3_8B_TOKEN_BYTES } from './fixtures.js';
import { TINY_KV_BYTES_PER_TOKEN as KV, tinyHardware, tinyModel } from '../engine/fixtures/tinyModel.js';

const RUNS = Number(process.env.KVSIM_PROPERTY_RUNS ?? 300);
const SEED = Number(process.env.KVSIM_PROPERTY_SEED ?? 20261206);

type Cmd =
  | { op: 'admit'; family: number; named: number; tokens: number }
  | { op: 'grow'; pick: number; more: number }
  | { op: 'release'; pick: number };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  fc.record({ op: fc.constant('admit' as const), family: fc.integer({ min: 0, max: 3 }), named: fc.integer({ min: 0, max: 6 }), tokens: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('grow' as const), pick: fc.nat(), more: fc.integer({ min: 0, max: 12 }) }),
  fc.record({ op: fc.constant('release' as const), pick: fc.nat() }),
);

describe('PrefixCachingPagedPolicy (vLLM V1 block pool with sharing)', () => {
  it('every block is exactly one of free, cached or live; counts never go negative; evictions only when no plain free block is left', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 2, max: 24 }), fc.array(cmdArb, { maxLength: 80 }), (bs, blocks, cmds) => {
        const p = new PrefixCachingPagedPolicy(ctxFor('llama-3-8b', blocks * bs * LLAMA3_8B_TOKEN_BYTES), { blockSizeTokens: bs, watermark: 0 });
        const live: { id: number; tokens: number; keys: PrefixKeys }[] = [];
        let nextId = 0;
        for (const c of cmds) {
          const plainFreeBefore = p.freeQueue().filter((b) => !p.isCached(b)).length;
          const evictionsBefore = p.prefixStats.evictions;
          let newBlocks = 0;
          if (c.op === 'admit') {
            const ids = Array.from({ length: c.named }, (_, i) => c.family * 100 + i);
            const keys = new PrefixKeys(nextId, ids, 4, c.tokens);
            const hit = p.prefixHitTokens(keys, c.tokens);
            expect(hit % bs).toBe(0);
            expect(hit).toBeLessThan(c.tokens);
            const before = p.freeBlocks;
            if (p.admit(nextId, c.tokens, keys)) {
              live.push({ id: nextId, tokens: c.tokens, keys });
              expect(p.blocksOf(nextId).length).toBe(Math.ceil(c.tokens / bs));
              newBlocks = Math.max(0, before - p.freeBlocks);
            } else {
              expect(p.freeBlocks).toBe(before);
            }
            nextId++;
          } else if (live.length > 0 && c.op === 'grow') {
            const r = live[c.pick % live.length];
            const before = p.freeBlocks;
            if (p.grow(r.id, r.tokens + c.more)) r.tokens += c.more;
            newBlocks = before - p.freeBlocks;
          } else if (live.length > 0 && c.op === 'release') {
            const r = live.splice(c.pick % live.length, 1)[0];
            p.release(r.id);
          }
          p.checkInvariants();
          const evicted = p.prefixStats.evictions - evictionsBefore;
          // A block taken from the queue evicts content only once the plain free blocks ahead of it are used.
          if (evicted > 0) expect(newBlocks).toBeGreaterThan(plainFreeBefore);
          const snap = p.snapshot();
          expect(snap.allocatedBytes + snap.freeBytes).toBe(snap.capacityBytes);
          expect(snap.cachedBytes).toBeLessThanOrEqual(snap.freeBytes);
          expect(snap.liveBytes).toBeLessThanOrEqual(snap.allocatedBytes);
        }
        for (const r of live) p.release(r.id);
        p.checkInvariants();
        expect(p.freeBlocks).toBe(p.numBlocks);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});

/** Random traces on the tiny model; `distinct` gives every request its own prefix ids. */
const traceArb = (distinct: boolean) =>
  fc
    .array(
      fc.record({
        gapS: fc.oneof(fc.constant(0), fc.double({ min: 0.0001, max: 0.2, noNaN: true })),
        promptTokens: fc.integer({ min: 1, max: 40 }),
        outputTokens: fc.integer({ min: 1, max: 24 }),
        family: fc.integer({ min: 0, max: 2 }),
      }),
      { minLength: 1, maxLength: 20 },
    )
    .map((rows) => {
      let t = 0;
      return rows.map((r, id): RequestSpec => {
        t += r.gapS;
        const n = Math.ceil(r.promptTokens / 4);
        const ids = Array.from({ length: n }, (_, i) => (distinct ? id * 1000 : r.family * 1000) + i);
        return { id, arrivalS: t, promptTokens: r.promptTokens, outputTokens: r.outputTokens, prefixBlockIds: ids, prefixBlockTokens: 4 };
      });
    });

function config(trace: RequestSpec[], caching: boolean, capacityTokens: number, scheduler: 'vllm' | 'sarathi' | 'vllm-v0'): SimulationConfig {
  return {
    trace, model: tinyModel(64), hardware: tinyHardware(), policy: 'paged',
    policyOptions: { blockSizeTokens: 4, enablePrefixCaching: caching }, capacityBytes: capacityTokens * KV,
    scheduler, schedulerOptions: { maxNumBatchedTokens: 64 },
  };
}

describe('prefix caching in replays', () => {
  it('with all-distinct prefixes and no preemption, caching changes nothing a request sees', async () => {
    await fc.assert(
      fc.asyncProperty(traceArb(true), fc.integer({ min: 64, max: 800 }), fc.constantFrom('vllm' as const, 'sarathi' as const, 'vllm-v0' as const), async (trace, cap, scheduler) => {
        const off = await simulate(config(trace, false, cap, scheduler));
        fc.pre(off.summary.preemptions === 0);
        const on = await simulate(config(trace, true, cap, scheduler));
        expect(on.requests).toEqual(off.requests);
        expect(on.iterations.prefillTokens).toEqual(off.iterations.prefillTokens);
        expect(on.iterations.startS).toEqual(off.iterations.startS);
        expect(on.summary.prefixCache?.hitTokens).toBe(0);
      }),
      { numRuns: Math.ceil(RUNS / 3), seed: SEED },
    );
  });

  it('with shared prefixes, caching never adds prefill work and every request still gets all its tokens', async () => {
    await fc.assert(
      fc.asyncProperty(traceArb(false), async (trace) => {
        const off = await simulate(config(trace, false, 2000, 'vllm'));
        const on = await simulate(config(trace, true, 2000, 'vllm'));
        const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
        expect(on.summary.completed).toBe(trace.length);
        expect(sum(on.iterations.prefillTokens) + on.summary.prefixCache!.hitTokens).toBe(sum(off.iterations.prefillTokens));
        expect(on.summary.preemptions).toBe(0);
      }),
      { numRuns: Math.ceil(RUNS / 3), seed: SEED },
    );
  });
});
