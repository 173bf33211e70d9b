import { describe, expect, it } from 'vitest';
import { replayOnGpu, type GpuReplayResult } from '../../src/gpu/replayOnGpu.js';
import type { PolicyKind } from '../../src/sim/memory/MemoryPolicy.js';
import type { PolicyOptions } from '../../src/sim/memory/PolicyOptions.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';
import { type FakeCall, fakeBinding } from './fakes/fakeBinding.js';

// The GPU executor's decisions, checked on CPU with a recording fake binding: which memory operations
// reach the native side, which of them are held back to overlap the iteration's compute, and what
// each iteration hands the model. The GPU itself is exercised by GpuExecutor.gpu.test.ts.

const GiB = 1024 ** 3;
/** Llama-3-8B, bf16, TP1: one 2 MiB page of one layer's K holds 2 MiB / (8 heads x 128 x 2 bytes) tokens. */
const TOKENS_PER_GROUP = (2 * 1024 * 1024) / (8 * 128 * 2);
const BUFFERS = 2 * 32;

interface Iteration {
  /** Calls since the previous iteration's run, up to and including this run. */
  before: FakeCall[];
  run: Extract<FakeCall, { call: 'run' }>['iteration'];
}

function iterations(calls: FakeCall[]): Iteration[] {
  const out: Iteration[] = [];
  let before: FakeCall[] = [];
  for (const c of calls) {
    if (c.call === 'run') {
      out.push({ before, run: c.iteration });
      before = [];
    } else before.push(c);
  }
  return out;
}

/**
 * The overlapped enactment contract (vattention.cu step_async): each iteration waits for the previous
 * background work (a flush), enacts what it needs (page calls, then a flush), and only then hands the
 * background step to the mapping thread, which runs while the kernels compute. Pages queued after the
 * last flush must equal the policy's ahead-of-need pages (maps and background unmaps alike, as it
 * counts them: VAttentionPolicy.endPlan), those before it the rest; and every page a row reads must
 * be mapped by the last flush and not be unmapped by the background work queued behind the kernels.
 */
function checkOverlapped(g: GpuReplayResult, its: Iteration[], calls: FakeCall[], buffers: number, tokensPerGroup: number): void {
  expect(g.run.summary.completed).toBe(g.run.summary.requests);
  expect(its.length).toBe(g.run.summary.iterations);
  expect(calls.some((c) => c.call === 'map' || c.call === 'unmap')).toBe(false); // overlapped: all page work on the thread
  let backgroundUnmaps = 0;
  let backgroundMaps = 0;
  const done = new Map<number, number>(); // slot -> groups mapped once the queue is flushed
  const queued = new Map<number, number>();
  for (const [i, it] of its.entries()) {
    const flushes = it.before.flatMap((c, k) => (c.call === 'flush' ? [k] : []));
    expect(flushes.length, `iteration ${i}`).toBeGreaterThanOrEqual(2);
    const lastFlush = flushes[flushes.length - 1];
    let nowPages = 0;
    let behindPages = 0;
    const lowestBehindUnmap = new Map<number, number>(); // slot -> first page unmapped behind compute
    for (const [k, c] of it.before.entries()) {
      if (c.call === 'flush') {
        for (const [s, n] of queued) done.set(s, n);
        continue;
      }
      if (c.call !== 'enqueueMap' && c.call !== 'enqueueUnmap') continue;
      const behind = k > lastFlush;
      if (behind) behindPages += c.count * buffers;
      else nowPages += c.count * buffers;
      if (c.call === 'enqueueMap') {
        queued.set(c.slot, c.firstPage + c.count);
        if (behind) backgroundMaps++;
      } else {
        queued.set(c.slot, c.firstPage);
        if (behind) {
          backgroundUnmaps++;
          lowestBehindUnmap.set(c.slot, Math.min(c.firstPage, lowestBehindUnmap.get(c.slot) ?? Infinity));
        }
      }
    }
    const ahead = g.pairs.aheadAllocOps[i];
    if (behindPages !== ahead || nowPages !== g.pairs.allocOps[i] - ahead) {
      expect.fail(
        `iteration ${i}: ${nowPages} pages before the kernels and ${behindPages} behind them, but the policy counts ${g.pairs.allocOps[i] - ahead} needed and ${ahead} ahead; ` +
          `calls ${JSON.stringify(it.before)}, rows ${JSON.stringify(it.run)}`,
      );
    }
    for (let r = 0; r < it.run.kvSlot.length; r++) {
      const slot = it.run.kvSlot[r];
      const tokens = it.run.context[r] + it.run.prefill[r] + it.run.decode[r];
      const need = Math.ceil(tokens / tokensPerGroup);
      expect(done.get(slot) ?? 0, `iteration ${i} row ${r}: ${tokens} tokens need ${need} groups mapped`).toBeGreaterThanOrEqual(need);
      expect(lowestBehindUnmap.get(slot) ?? Infinity, `iteration ${i} row ${r}: a page it reads is unmapped behind its kernels`).toBeGreaterThanOrEqual(need);
    }
  }
  expect(backgroundMaps).toBeGreaterThan(0); // the case exercises look-ahead
  expect(backgroundUnmaps).toBeGreaterThan(0); // and background reclaim
}

async function replay(policy: PolicyKind, o: { count?: number; capacityBytes?: number; policyOptions?: PolicyOptions } = {}): Promise<{ g: GpuReplayResult; its: Iteration[]; calls: FakeCall[] }> {
  const fake = fakeBinding();
  const model = policy === 'recurrent' ? 'xlstm-7b' : 'llama-3-8b';
  const trace = await openTrace('synthetic:conv', { count: o.count ?? 24, seed: 7, maxContextTokens: 4096 });
  const g = await replayOnGpu({ trace, model, hardware: 'h100', policy, policyOptions: o.policyOptions, capacityBytes: o.capacityBytes, gpu: fake });
  return { g, its: iterations(fake.calls), calls: fake.calls };
}

describe('GpuExecutor with a fake binding: what reaches the device', () => {
  it('vAttention, overlapped: page work behind compute is exactly the policy\'s background step (reclaim and look-ahead, in order), the rest is enacted before the kernels, and no row reads a page that is unmapped or not yet mapped', async () => {
    // A small budget so admission waits, slots are reused and pages are reclaimed under pressure.
    const { g, its, calls } = await replay('vattention', { count: 40, capacityBytes: 1 * GiB });
    checkOverlapped(g, its, calls, BUFFERS, TOKENS_PER_GROUP);
  });

  it('vAttention megacache, overlapped: 2 buffers, groups of 32 tokens, same enactment rules', async () => {
    // 640 MiB: 160 groups of 2 x 2 MiB, tight enough for background reclaim with every request served.
    const { g, its, calls } = await replay('vattention', { count: 40, capacityBytes: 640 * 1024 ** 2, policyOptions: { layout: 'megacache' } as PolicyOptions });
    const arena = calls.find((c): c is Extract<FakeCall, { call: 'newArena' }> => c.call === 'newArena')!;
    expect(arena.options.buffers).toBe(2);
    checkOverlapped(g, its, calls, 2, TOKENS_PER_GROUP / 32);
  });

  it('vAttention, synchronous: every page op is a direct call before the kernels, none queued', async () => {
    const { g, calls } = await replay('vattention', { policyOptions: { mapping: 'sync' } as PolicyOptions });
    expect(g.run.summary.completed).toBe(g.run.summary.requests);
    expect(calls.some((c) => c.call === 'map')).toBe(true);
    expect(calls.some((c) => c.call === 'enqueueMap' || c.call === 'enqueueUnmap')).toBe(false);
    expect(g.pairs.aheadAllocOps.every((x) => x === 0)).toBe(true);
  });

  it('paged: each row hands the model the block ids its request owns, enough for its tokens; the pool\'s check table is never uploaded inside an iteration', async () => {
    const { g, its } = await replay('paged', { count: 10, capacityBytes: 1 * GiB });
    expect(g.run.summary.completed).toBe(g.run.summary.requests);
    let uploads = 0;
    for (const [i, it] of its.entries()) {
      uploads += it.before.filter((c) => c.call === 'uploadBlockTable').length;
      const table = it.run.blockTable!;
      const w = table.length / it.run.kvSlot.length;
      expect(Number.isInteger(w), `iteration ${i}`).toBe(true);
      const seen = new Set<number>();
      let blocks = 0;
      for (let r = 0; r < it.run.kvSlot.length; r++) {
        const tokens = it.run.context[r] + it.run.prefill[r] + it.run.decode[r];
        const ids = table.slice(r * w, (r + 1) * w).filter((b) => b >= 0);
        if (ids.length < Math.ceil(tokens / 16)) expect.fail(`iteration ${i} row ${r}: ${ids.length} blocks for ${tokens} tokens`);
        for (const b of ids) seen.add(b);
        blocks += ids.length;
      }
      if (seen.size !== blocks) expect.fail(`iteration ${i}: a block id appears in two rows`);
    }
    // The rows travel with the model's metadata (vLLM's commit_block_table); a whole-table upload per
    // allocating iteration was a harness cost (about 2 ms at 8192 blocks per row on the H100).
    expect(uploads).toBe(0);
  });

  it('recurrent (xLSTM): one distinct state slot per row, no arena or block pool', async () => {
    const { g, its, calls } = await replay('recurrent', { count: 16 });
    expect(g.run.summary.completed).toBe(g.run.summary.requests);
    expect(calls.some((c) => c.call === 'newArena' || c.call === 'newPool')).toBe(false);
    for (const [i, it] of its.entries()) {
      expect(it.run.stateSlot.every((s) => s >= 0), `iteration ${i}`).toBe(true);
      expect(new Set(it.run.stateSlot).size, `iteration ${i}`).toBe(it.run.stateSlot.length);
    }
  });

  it('frees the model, arena and pool it created, and times iterations as the binding reports (plus enactment)', async () => {
    const { g, calls } = await replay('paged', { count: 8 });
    expect(calls.filter((c) => c.call === 'destroy').map((c) => (c as { what: string }).what).sort()).toEqual(['model', 'pool']);
    // The fake reports 1 ms + 1 us per prompt token + 10 us per row (see fakeBinding); the executor adds its own enactment time.
    const runs = calls.filter((c): c is Extract<FakeCall, { call: 'run' }> => c.call === 'run');
    for (const [i, r] of runs.entries()) {
      const hostS = 1e-3 + 1e-6 * r.iteration.prefill.reduce((s, x) => s + x, 0) + 1e-5 * r.iteration.prefill.length;
      expect(g.pairs.gpuS[i]).toBeGreaterThanOrEqual(hostS);
      expect(g.pairs.gpuS[i] - g.pairs.mapS[i]).toBeCloseTo(hostS, 12);
    }
  });
});
