import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GpuModel } from '../../src/gpu/GpuModel.js';
import { replayOnGpu } from '../../src/gpu/replayOnGpu.js';
import { CalibratedCostModel } from '../../src/sim/cost/calibrated/CalibratedCostModel.js';
import type { CalibrationProfile } from '../../src/sim/cost/calibrated/CalibrationProfile.js';
import { cudaGraphCaptureSizes, paddedGraphSize } from '../../src/sim/cost/calibrated/cudaGraphSizes.js';
import { validateProfile } from '../../src/sim/cost/calibrated/readProfile.js';
import { emptyIterationCost } from '../../src/sim/cost/CostModel.js';
import { emptyAggregate, type IterationAggregate } from '../../src/sim/cost/IterationAggregate.js';
import { hardwarePreset } from '../../src/sim/hardware/presets.js';
import { modelPreset } from '../../src/sim/model/presets.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';
import { runKvsim } from '../cli/runKvsim.js';
import { fakeBinding } from './fakes/fakeBinding.js';

// CUDA graphs for decode iterations (issue 14 item 4), on CPU: vLLM's capture sizes and padding rule,
// option checks before the native call, the executor's plumbing with a fake binding, and which
// enactment fit the calibrated cost model prices with.

const PROFILE_PATH = 'profiles/h100-sxm-80gb/llama-3-8b.json';
const profile = JSON.parse(readFileSync(PROFILE_PATH, 'utf8')) as CalibrationProfile;
const llama = modelPreset('llama-3-8b');
const h100 = hardwarePreset('h100');

/** The committed profile with a graph fit added to every policy's enactment (graphS per iteration). */
function withGraphFit(graphS: number, eagerS?: number): CalibrationProfile {
  const enactment = Object.fromEntries(
    Object.entries(profile.enactment ?? {}).map(([k, e]) => [k, { ...e, ...(eagerS === undefined ? {} : { iterationS: eagerS }), cudaGraphs: { iterationS: graphS, iterations: 10, captureSizes: cudaGraphCaptureSizes(256, 8192) } }]),
  );
  return { ...profile, enactment };
}

describe('capture sizes and padding (vLLM V1 defaults)', () => {
  it('1, 2, 4, multiples of 8 below 256, then of 16 up to min(2 x max_num_seqs, 512), capped at the max batch', () => {
    const s = cudaGraphCaptureSizes(256, 8192);
    expect(s.slice(0, 7)).toEqual([1, 2, 4, 8, 16, 24, 32]);
    expect(s.at(-2)).toBe(248);
    expect(s.at(-1)).toBe(256);
    expect(s).toHaveLength(3 + 31 + 1);
    const big = cudaGraphCaptureSizes(512, 8192);
    expect(big).toContain(272);
    expect(big).not.toContain(264);
    expect(big.at(-1)).toBe(512);
    // max_num_seqs 100: vLLM captures up to 200; the executor's buffers stop at 100.
    expect(cudaGraphCaptureSizes(100, 8192).at(-1)).toBe(96);
    expect(cudaGraphCaptureSizes(100, 8192, 200).at(-1)).toBe(200);
    // None above the token budget.
    expect(cudaGraphCaptureSizes(256, 20).at(-1)).toBe(16);
  });

  it('pads a batch to the smallest size at or above it; above the largest, eager', () => {
    const s = cudaGraphCaptureSizes(256, 8192);
    const cases: [number, number | undefined][] = [[1, 1], [2, 2], [3, 4], [5, 8], [9, 16], [17, 24], [100, 104], [249, 256], [256, 256], [257, undefined]];
    for (const [rows, size] of cases) expect(paddedGraphSize(s, rows), `rows ${rows}`).toBe(size);
  });
});

describe('GpuModel cudaGraphs option', () => {
  const base = { model: llama, tp: 1, maxTokens: 8192, maxBatch: 256, maxContext: 4096, stateSlots: 0 };
  const paged = { layout: 'paged' as const, kBase: Array(32).fill(0n), vBase: Array(32).fill(0n), maxBlocksPerSeq: 256, blockSizeTokens: 16 };

  it('is refused before the native call when not a boolean, without a pad block, or on a profile-only model', () => {
    const fake = fakeBinding();
    expect(() => new GpuModel(fake.binding, { ...base, kv: paged, cudaGraphs: 'yes' as never })).toThrow(/Expected true or false for GpuModel: cudaGraphs/);
    expect(() => new GpuModel(fake.binding, { ...base, kv: paged, cudaGraphs: true })).toThrow(/kv\.padBlock/);
    expect(() => new GpuModel(fake.binding, { ...base, kv: { layout: 'none' }, profileOnly: true, cudaGraphs: true })).toThrow(/profile-only/);
    expect(() => new GpuModel(fake.binding, { ...base, kv: { ...paged, padBlock: 7 }, cudaGraphs: true, graphSizes: [4, 2] })).toThrow(/above graphSizes\[0\] \(4\): ascending for GpuModel: graphSizes\[1\]/);
    expect(() => new GpuModel(fake.binding, { ...base, kv: { ...paged, padBlock: 7 }, cudaGraphs: true, graphSizes: [512] })).toThrow(/graphSizes\[0\]/);
    expect(fake.calls.filter((c) => c.call === 'newModel')).toEqual([]);
  });

  it('sends the capture sizes and the pad block only when on; off leaves the config as before', () => {
    const fake = fakeBinding();
    new GpuModel(fake.binding, { ...base, kv: { ...paged, padBlock: 7 }, cudaGraphs: true });
    new GpuModel(fake.binding, { ...base, kv: paged });
    const [on, off] = fake.calls.flatMap((c) => (c.call === 'newModel' ? [c.config] : []));
    expect(on.cudaGraphs).toBe(1);
    expect(Array.from(on.graphSizes!)).toEqual(cudaGraphCaptureSizes(256, 8192));
    expect(on.padBlock).toBe(7);
    expect(Object.keys(off).filter((k) => ['cudaGraphs', 'graphSizes', 'padKvSlot', 'padBlock'].includes(k))).toEqual([]);
  });
});

describe('replayOnGpu with cudaGraphs (fake binding)', () => {
  for (const policy of ['paged', 'vattention', 'static'] as const) {
    it(`${policy}: one spare KV slot/block for padding, graph use recorded per decode iteration, every request complete, everything freed`, async () => {
      const fake = fakeBinding();
      const trace = await openTrace('synthetic:conv', { count: 12, seed: 3, maxContextTokens: 4096 });
      const g = await replayOnGpu({ trace, model: 'llama-3-8b', hardware: 'h100', policy, gpu: fake, profile: { profile: withGraphFit(1e-4), path: 'graphs.json' }, cudaGraphs: true });
      expect(g.run.summary.completed).toBe(12);
      expect(g.run.config.executor).toMatch(/CUDA graphs for decode/);
      const config = fake.calls.flatMap((c) => (c.call === 'newModel' ? [c.config] : []))[0];
      expect(Array.from(config.graphSizes!)).toEqual(g.captureSizes);
      if (policy === 'paged') {
        const pool = fake.calls.flatMap((c) => (c.call === 'newPool' ? [c.options] : []))[0] as { blocks: number };
        expect(config.padBlock).toBe(pool.blocks - 1);
      } else {
        const arena = fake.calls.flatMap((c) => (c.call === 'newArena' ? [c.options] : []))[0] as { slots: number };
        expect(config.padKvSlot).toBe(arena.slots - 1);
        expect(fake.calls.some((c) => c.call === 'map' && c.slot === arena.slots - 1 && c.firstPage === 0 && c.count === 1)).toBe(true);
      }
      const rows = g.pairs.graphRows!;
      expect(rows).toHaveLength(g.pairs.gpuS.length);
      g.pairs.prefillTokens.forEach((p, i) => {
        const want = p === 0 ? paddedGraphSize(g.captureSizes!, g.pairs.batchSize[i]) : undefined;
        expect(rows[i], `iteration ${i}`).toBe(want ?? 0);
      });
      expect(rows.some((r) => r > 0)).toBe(true);
      const destroyed = fake.calls.flatMap((c) => (c.call === 'destroy' ? [c.what] : []));
      expect(destroyed).toContain('model');
    });
  }

  it('off: no graphRows column, no spare block, the executor label as before', async () => {
    const fake = fakeBinding();
    const trace = await openTrace('synthetic:conv', { count: 4, seed: 3, maxContextTokens: 4096 });
    const g = await replayOnGpu({ trace, model: 'llama-3-8b', hardware: 'h100', policy: 'paged', gpu: fake, profile: { profile, path: PROFILE_PATH } });
    expect(g.pairs.graphRows).toBeUndefined();
    expect(g.run.config.executor).not.toMatch(/graph/i);
    expect(g.captureSizes).toBeUndefined();
  });

  it('a profile without the graph fit, or none, is a one-line error naming the calibrate command, before the device is touched', async () => {
    for (const p of [{ profile, path: PROFILE_PATH }, undefined]) {
      const fake = fakeBinding();
      const trace = await openTrace('synthetic:conv', { count: 2, seed: 3, maxContextTokens: 4096 });
      await expect(replayOnGpu({ trace, model: 'llama-3-8b', hardware: 'h100', policy: 'paged', gpu: fake, profile: p, cudaGraphs: true })).rejects.toThrow(/enactment\.paged\.cudaGraphs.*kvsim calibrate --model llama-3-8b --cuda-graphs/);
      expect(fake.calls.filter((c) => c.call === 'newModel')).toEqual([]);
    }
  });

  it('refuses a cudaGraphs value that is not a boolean', async () => {
    const fake = fakeBinding();
    const trace = await openTrace('synthetic:conv', { count: 2, seed: 3, maxContextTokens: 4096 });
    await expect(replayOnGpu({ trace, model: 'llama-3-8b', hardware: 'h100', policy: 'paged', gpu: fake, cudaGraphs: 1 as never })).rejects.toThrow(/Expected true or false for cudaGraphs/);
    expect(fake.calls).toEqual([]);
  });
});

describe('CalibratedCostModel with cudaGraphs', () => {
  const sizes = cudaGraphCaptureSizes(256, 8192);
  const ctx = { model: llama, hardware: h100, tp: 1, pagedKernels: true, allocationMode: 'sync' as const, profilePath: 'graphs.json', blockSizeTokens: 16, policyKind: 'paged' };
  const decode = (batch: number): IterationAggregate => ({ ...emptyAggregate(), batchSize: batch, decodeTokens: batch, decodeKvTokens: batch * 1000 });
  const prefill = (): IterationAggregate => ({ ...emptyAggregate(), batchSize: 1, prefillTokens: 512, prefillRequests: 1, prefillAttentionPairs: 512 * 256, prefillKvTokens: 512 });
  const price = (m: CalibratedCostModel, a: IterationAggregate) => m.iterationCost(a, emptyIterationCost()).terms;

  it('prices a decode-only batch at its padded size with the graph fit, and prefill or oversized batches eagerly', () => {
    const p = withGraphFit(0.002, 0.005);
    const graphs = new CalibratedCostModel({ ...ctx, profile: p, cudaGraphs: { captureSizes: sizes } });
    const eager = new CalibratedCostModel({ ...ctx, profile: p });
    expect(price(graphs, decode(5)).gemmS).toBeCloseTo(price(eager, decode(8)).gemmS, 12);
    // (the measured tables differ between 5 and 8 tokens, so the line above fails for an unpadded price)
    expect(price(graphs, decode(5)).gemmS).not.toBeCloseTo(price(eager, decode(5)).gemmS, 12);
    expect(price(graphs, decode(5)).decodeAttentionS).toBeCloseTo(price(eager, decode(5)).decodeAttentionS, 12);
    expect(price(graphs, decode(5)).overheadS).toBeCloseTo(0.002, 12);
    expect(price(eager, decode(5)).overheadS).toBeCloseTo(0.005, 12);
    expect(price(graphs, prefill()).overheadS).toBeCloseTo(price(eager, prefill()).overheadS, 12);
    // Above the largest capture size (256 here): eager, unpadded.
    const small = new CalibratedCostModel({ ...ctx, profile: p, cudaGraphs: { captureSizes: [1, 2, 4] } });
    expect(price(small, decode(5)).overheadS).toBeCloseTo(0.005, 12);
    expect(price(small, decode(5)).gemmS).toBeCloseTo(price(eager, decode(5)).gemmS, 12);
    expect(graphs.describe().cudaGraphs).toEqual({ captureSizes: sizes });
    expect(JSON.stringify(graphs.describe().sources)).toMatch(/enactment\.paged\.cudaGraphs/);
  });

  it('a negative graph fit lowers a graph iteration below its tables, never below zero', () => {
    const eager = new CalibratedCostModel({ ...ctx, profile: withGraphFit(0, 0) });
    const total = (t: ReturnType<typeof price>) => t.gemmS + t.prefillAttentionS + t.decodeAttentionS + t.recurrentS + t.commS + t.overheadS;
    const tables = total(price(new CalibratedCostModel({ ...ctx, profile: withGraphFit(0, 0), cudaGraphs: { captureSizes: sizes } }), decode(5)));
    const saving = new CalibratedCostModel({ ...ctx, profile: withGraphFit(-1e-4, 0), cudaGraphs: { captureSizes: sizes } });
    expect(price(saving, decode(5)).overheadS).toBeCloseTo(-1e-4, 12);
    expect(total(price(saving, decode(5)))).toBeCloseTo(tables - 1e-4, 12);
    const absurd = new CalibratedCostModel({ ...ctx, profile: withGraphFit(-10, 0), cudaGraphs: { captureSizes: sizes } });
    expect(total(price(absurd, decode(5)))).toBeCloseTo(0, 12);
    // Eager and prefill iterations keep the eager fit.
    expect(price(saving, prefill()).overheadS).toBeCloseTo(price(eager, prefill()).overheadS, 12);
  });

  it('refuses a profile without the graph fit even with fallback allowed', () => {
    expect(() => new CalibratedCostModel({ ...ctx, profile, allowFallback: true, cudaGraphs: { captureSizes: sizes } })).toThrow(/graphs\.json has no enactment\.paged\.cudaGraphs fit.*kvsim calibrate --model llama-3-8b --cuda-graphs/);
  });
});

describe('profile and CLI', () => {
  it('readProfile accepts a graph fit and names a malformed one', () => {
    expect(() => validateProfile(withGraphFit(1e-4), 'p.json')).not.toThrow();
    const bad = withGraphFit(1e-4);
    (bad.enactment!.paged.cudaGraphs as { iterationS: unknown }).iterationS = 'fast';
    expect(() => validateProfile(bad, 'p.json')).toThrow(/p\.json: enactment\.paged\.cudaGraphs\.iterationS: expected a finite number \(seconds; negative/);
    // Negative is a saving against the tables (2026-12-07 H100: graph decode iterations 460 us under them), not an error.
    expect(() => validateProfile(withGraphFit(-4.6e-4), 'p.json')).not.toThrow();
    const fewer = withGraphFit(1e-4);
    (fewer.enactment!.paged.cudaGraphs as { iterations: unknown }).iterations = -1;
    expect(() => validateProfile(fewer, 'p.json')).toThrow(/p\.json: enactment\.paged\.cudaGraphs\.iterations: expected an integer >= 0/);
  });

  it('replay --cuda-graphs on the simulator prices decode iterations as graphs with a profile that has the fit, and refuses one without in one line', async () => {
    const graphProfile = 'profiles/h100-sxm-80gb/cuda-graphs/llama-3-8b.2026-12-07.json';
    const base = ['replay', '--model', 'llama-3-8b', '--policy', 'paged', '--count', '40', '--cost-model', graphProfile];
    const eager = await runKvsim(base);
    const graphs = await runKvsim([...base, '--cuda-graphs']);
    expect(graphs.code, graphs.err).toBe(0);
    expect(graphs.out).toMatch(/enactment\.paged\.cudaGraphs/);
    expect(eager.out).not.toMatch(/cudaGraphs/);
    // The committed graph fit is negative (graph iterations 0.171 ms under their tables): TBT goes down.
    const tbt = (out: string) => Number(/TBT p50\s+([\d.]+) ms/.exec(out)![1]);
    expect(tbt(graphs.out)).toBeLessThan(tbt(eager.out));
    const { err, code } = await runKvsim(['replay', '--cuda-graphs', '--model', 'llama-3-8b', '--policy', 'paged', '--count', '3']);
    expect(code).toBe(2);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toMatch(/has no enactment\.paged\.cudaGraphs fit.*kvsim calibrate --model llama-3-8b --cuda-graphs/);
  });
});
