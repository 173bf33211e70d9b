import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulate } from '../../../src/sim/engine/simulate.js';
import type { IterationObserver } from '../../../src/sim/engine/IterationObserver.js';
import { PrefixKeys } from '../../../src/sim/memory/PrefixKeys.js';
import type { RequestSpec } from '../../../src/sim/trace/RequestSpec.js';
import { TINY_KV_BYTES_PER_TOKEN as KV, tinyHardware, tinyModel } from '../engine/fixtures/tinyModel.js';

// An independent, deliberately naive re-statement of vLLM main's
// Scheduler.schedule (fcfs/priority) + KVCacheManager.get_computed_blocks/allocate_slots/free +
// BlockPool (touch, popleft + evict, free: hashed -> back, unhashed -> front, duplicates of a hash
// kept as vLLM does), driven by kvsim's own iteration start times, compared step by step.
// Content identity comes from kvsim's PrefixKeys (the trace model), not from the policy. Written by a
// reviewer from vLLM's source (commit 003df29); it is a reading of vLLM, not vLLM itself.

interface OReq { id: number; arrival: number; prompt: number; output: number; generated: number; computed: number; keys: PrefixKeys; blocks: number[]; cachedBlocks: number; preemptions: number }

class Oracle {
  refs: number[]; hash: (number | undefined)[]; queue: number[]; map = new Map<number, number[]>();
  dedupe = false;
  running: OReq[] = []; waiting: OReq[] = []; pending: RequestSpec[]; preemptions = 0;
  constructor(readonly nBlocks: number, readonly bs: number, readonly budget: number, readonly maxSeqs: number, readonly thr: number, readonly priority: boolean, trace: RequestSpec[]) {
    this.refs = new Array(nBlocks).fill(0); this.hash = new Array(nBlocks).fill(undefined); this.queue = Array.from({ length: nBlocks }, (_, i) => i); this.pending = [...trace];
  }
  tokens(r: OReq): number { return r.prompt + r.generated; }
  cached(key: number): number | undefined { return this.map.get(key)?.[0]; }
  hitBlocks(r: OReq): number[] {
    const max = Math.floor((this.tokens(r) - 1) / this.bs); const out: number[] = [];
    for (let j = 0; j < max; j++) { const b = this.cached(r.keys.keyOf(j, this.bs)); if (b === undefined) break; out.push(b); }
    return out;
  }
  touch(bl: number[]): void { for (const b of bl) { if (this.refs[b] === 0) this.queue.splice(this.queue.indexOf(b), 1); this.refs[b]++; } }
  popFree(): number { const b = this.queue.shift()!; const h = this.hash[b]; if (h !== undefined) { const l = this.map.get(h)!; l.splice(l.indexOf(b), 1); if (l.length === 0) this.map.delete(h); this.hash[b] = undefined; } this.refs[b] = 1; return b; }
  free(r: OReq): void {
    const withH: number[] = []; const without: number[] = [];
    for (const b of [...r.blocks].reverse()) if (--this.refs[b] === 0) (this.hash[b] === undefined ? without : withH).push(b);
    this.queue = [...without, ...this.queue, ...withH]; r.blocks = []; r.cachedBlocks = 0;
  }
  /** allocate_slots; null when it cannot. */
  allocate(r: OReq, newTokens: number, hit: number[], full: boolean): boolean {
    const evictable = hit.filter((b) => this.refs[b] === 0).length;
    const local = r.computed + hit.length * this.bs;
    if (full && Math.max(Math.ceil(this.tokens(r) / this.bs) - hit.length - r.blocks.length, 0) + evictable > this.queue.length) return false;
    const need = Math.max(Math.ceil((local + newTokens) / this.bs) - hit.length - r.blocks.length, 0) + evictable;
    if (need > this.queue.length) return false;
    this.touch(hit); r.blocks.push(...hit); if (hit.length > 0) r.cachedBlocks = hit.length;
    while (r.blocks.length < Math.ceil((local + newTokens) / this.bs)) r.blocks.push(this.popFree());
    const fullBlocks = Math.floor(Math.min(local + newTokens, this.tokens(r)) / this.bs);
    for (let j = r.cachedBlocks; j < fullBlocks; j++) { const b = r.blocks[j]; if (this.hash[b] !== undefined) continue; const k = r.keys.keyOf(j, this.bs); const l = this.map.get(k); if (l) { if (!this.dedupe) l.push(b); else continue; } else this.map.set(k, [b]); this.hash[b] = k; }
    if (fullBlocks > r.cachedBlocks) r.cachedBlocks = fullBlocks;
    return true;
  }
  preempt(r: OReq): void { this.free(r); r.computed = 0; r.preemptions++; this.preemptions++; this.waiting.unshift(r); }
  /** One schedule(); returns [id, tokens][] in scheduled order. */
  schedule(): [number, number][] {
    let budget = this.budget; const out: [number, number][] = []; let preempted = false;
    let i = 0;
    while (i < this.running.length && budget > 0) {
      const r = this.running[i];
      let n = this.tokens(r) - r.computed; if (this.thr > 0 && n > this.thr) n = this.thr; n = Math.min(n, budget);
      let ok = false;
      for (;;) {
        if (this.allocate(r, n, [], false)) { ok = true; break; }
        let v: OReq;
        if (this.priority) {
          v = this.running.reduce((a, b) => (b.arrival > a.arrival || (b.arrival === a.arrival && b.id > a.id) ? b : a));
          this.running.splice(this.running.indexOf(v), 1);
          const k = out.findIndex((e) => e[0] === v.id);
          if (k >= 0) { budget += out[k][1]; out.splice(k, 1); i--; }
        } else v = this.running.pop()!;
        this.preempt(v); preempted = true;
        if (v === r) break;
      }
      if (!ok) break;
      out.push([r.id, n]); budget -= n; i++;
    }
    if (!preempted) {
      while (this.waiting.length > 0 && budget > 0) {
        if (this.running.length >= this.maxSeqs) break;
        const r = this.waiting[0]; const hit = this.hitBlocks(r);
        let n = this.tokens(r) - hit.length * this.bs; if (this.thr > 0 && n > this.thr) n = this.thr; n = Math.min(n, budget);
        if (!this.allocate(r, n, hit, true)) break;
        this.waiting.shift(); this.running.push(r); r.computed = hit.length * this.bs; out.push([r.id, n]); budget -= n;
      }
    }
    // update_after_schedule + update_from_output (sync scheduling)
    const done: OReq[] = [];
    for (const [id, n] of out) {
      const r = this.running.find((x) => x.id === id)!; const before = this.tokens(r); r.computed += n;
      if (r.computed === before) { r.generated++; if (r.generated === r.output) done.push(r); }
    }
    for (const r of done) { this.free(r); this.running.splice(this.running.indexOf(r), 1); }
    return out;
  }
  arriveUpTo(t: number): void {
    while (this.pending.length > 0 && this.pending[0].arrivalS <= t) {
      const q = this.pending.shift()!;
      this.waiting.push({ id: q.id, arrival: q.arrivalS, prompt: q.promptTokens, output: q.outputTokens, generated: 0, computed: 0, keys: new PrefixKeys(q.id, q.prefixBlockIds, q.prefixBlockTokens ?? 0, q.promptTokens), blocks: [], cachedBlocks: 0, preemptions: 0 });
    }
  }
}

const traceArb = fc
  .array(fc.record({ gapS: fc.oneof(fc.constant(0), fc.double({ min: 0.0001, max: 0.05, noNaN: true })), prompt: fc.integer({ min: 1, max: 40 }), out: fc.integer({ min: 1, max: 23 }), family: fc.integer({ min: 0, max: 2 }), named: fc.integer({ min: 0, max: 10 }) }), { minLength: 1, maxLength: 16 })
  .map((rows) => {
    let t = 0;
    return rows.map((r, id): RequestSpec => {
      t += r.gapS;
      // distinct arrival times: the priority tie-break is a separate finding
      const n = Math.min(r.named, Math.ceil(r.prompt / 4));
      const ids = Array.from({ length: n }, (_, i) => r.family * 100 + i);
      return { id, arrivalS: t + id * 1e-9, promptTokens: r.prompt, outputTokens: r.out, ...(n > 0 ? { prefixBlockIds: ids, prefixBlockTokens: 4 } : {}) };
    });
  });

describe('review: kvsim vLLM V1 against an independent oracle of schedule() + KV manager', () => {
  for (const priority of [false, true]) {
    it(`same batch, step by step (${priority ? 'priority' : 'fcfs'})`, async () => {
      await fc.assert(
        fc.asyncProperty(traceArb, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 16, max: 60 }), fc.integer({ min: 8, max: 96 }), fc.constantFrom(1, 3, 256), fc.constantFrom(0, 0, 6), fc.boolean(), async (trace, bs, blocksRaw, budget, seqs, thr, caching) => {
          const nBlocks = Math.max(blocksRaw, Math.ceil(64 / bs));
          const steps: { t: number; plan: [number, number][] }[] = [];
          const obs: IterationObserver = {
            onIteration(p) {
              const plan: [number, number][] = [];
              for (let i = 0; i < p.batchSize; i++) plan.push([p.requestIds[i], p.prefillTokens[i] + p.decodeTokens[i]]);
              steps.push({ t: p.startS, plan });
            },
          };
          const r = await simulate({ trace, model: tinyModel(64), hardware: tinyHardware(), policy: 'paged', policyOptions: { blockSizeTokens: bs, enablePrefixCaching: caching }, capacityBytes: nBlocks * bs * KV, scheduler: 'vllm', schedulerOptions: { maxNumBatchedTokens: budget, maxNumSeqs: Math.min(seqs, budget), longPrefillTokenThreshold: thr, preemptionPolicy: priority ? 'priority' : 'fcfs' }, engine: { observer: obs } });
          const o = new Oracle(nBlocks, bs, budget, Math.min(seqs, budget), thr, priority, trace);
          // caching off: no block is ever found (vLLM: enable_caching=False)
          if (!caching) o.hitBlocks = () => [];
          o.dedupe = process.env.REVIEW_DEDUPE === '1';
          for (let k = 0; k < steps.length; k++) {
            o.arriveUpTo(steps[k].t);
            let plan = o.schedule();
            // kvsim re-plans at once after a step that scheduled nothing (vLLM: an empty step)
            while (plan.length === 0 && (o.running.length > 0 || o.waiting.length > 0)) plan = o.schedule();
            expect({ k, plan }).toEqual({ k, plan: steps[k].plan });
          }
          expect(o.preemptions).toBe(r.summary.preemptions);
        }),
        { numRuns: Number(process.env.KVSIM_PROPERTY_RUNS ?? 200), seed: Number(process.env.KVSIM_PROPERTY_SEED ?? 20261206) },
      );
    });
  }
});
