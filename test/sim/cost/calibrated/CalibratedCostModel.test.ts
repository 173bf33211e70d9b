import { describe, expect, it } from 'vitest';
import { CalibratedCostModel } from '../../../../src/sim/cost/calibrated/CalibratedCostModel.js';
import type { CalibrationProfile } from '../../../../src/sim/cost/calibrated/CalibrationProfile.js';
import { emptyIterationCost } from '../../../../src/sim/cost/CostModel.js';
import { emptyAggregate } from '../../../../src/sim/cost/IterationAggregate.js';
import { RooflineCostModel } from '../../../../src/sim/cost/RooflineCostModel.js';
import { hardwarePreset } from '../../../../src/sim/hardware/presets.js';
import { modelPreset } from '../../../../src/sim/model/presets.js';

// A fixture with round numbers to check the arithmetic, not a measurement.
const profile: CalibrationProfile = {
  schema: 'kvsim.profile/1', card: 'fixture', gpu: 'h100-sxm-80gb', driver: '0', cudaRuntime: '0', date: '2026-01-01',
  model: 'llama-3-8b', tp: 1, dtype: 'bf16', method: 'fixture',
  layerGemm: { attention: { x: [1, 1024], timeS: [1e-4, 1e-3], xName: 'tokens' } },
  lmHead: { x: [1, 256], timeS: [1e-4, 2e-4], xName: 'rows' },
  decodeAttention: {
    contiguous: { a: [1, 64], b: [128, 4096], timeS: [[1e-5, 2e-5], [4e-5, 6e-4]], aName: 'batch', bName: 'context' },
    paged: { '16': { a: [1, 64], b: [128, 4096], timeS: [[2e-5, 4e-5], [8e-5, 12e-4]], aName: 'batch', bName: 'context' } },
  },
  prefillAttention: {
    contiguous: { a: [16, 4096], b: [0, 4096], timeS: [[1e-5, 2e-5], [1e-3, 3e-3]], aName: 'chunkTokens', bName: 'contextTokens' },
    paged: { '16': { a: [16, 4096], b: [0, 4096], timeS: [[1e-5, 2e-5], [1e-3, 3e-3]], aName: 'chunkTokens', bName: 'contextTokens' } },
  },
  iterationOverheadS: 1e-3,
};
const noPrefill: CalibrationProfile = { ...profile, prefillAttention: undefined };

function ctx(paged: boolean) {
  return {
    model: modelPreset('llama-3-8b'), hardware: hardwarePreset('h100'), tp: 1, pagedKernels: paged,
    allocationMode: 'overlapped' as const, profile, profilePath: 'fixture.json', blockSizeTokens: 16,
  };
}

describe('CalibratedCostModel', () => {
  it('prices a decode iteration from the tables: 32 layers of GEMM + decode attention + LM head + overhead', () => {
    const m = new CalibratedCostModel(ctx(false));
    const agg = { ...emptyAggregate(), batchSize: 64, decodeTokens: 64, decodeKvTokens: 64 * 4096 };
    const c = m.iterationCost(agg, emptyIterationCost());
    const gemm = 32 * (1e-4 + ((64 - 1) / (1024 - 1)) * (1e-3 - 1e-4));
    const lm = 1e-4 + ((64 - 1) / (256 - 1)) * 1e-4;
    expect(c.terms.gemmS).toBeCloseTo(gemm + lm, 12);
    expect(c.terms.decodeAttentionS).toBeCloseTo(32 * 6e-4, 12);
    expect(c.terms.overheadS).toBe(1e-3);
    expect(c.durationS).toBeCloseTo(gemm + lm + 32 * 6e-4 + 1e-3, 12);
  });

  it('uses the paged table for paged kernels', () => {
    const agg = { ...emptyAggregate(), batchSize: 64, decodeTokens: 64, decodeKvTokens: 64 * 4096 };
    const c = new CalibratedCostModel(ctx(true)).iterationCost(agg, emptyIterationCost());
    expect(c.terms.decodeAttentionS).toBeCloseTo(32 * 12e-4, 12);
  });

  it('refuses a run that needs a table the profile lacks, naming the table and the command that measures it', () => {
    expect(() => new CalibratedCostModel({ ...ctx(false), profile: noPrefill })).toThrow(
      /fixture\.json has no prefillAttention\.contiguous table.*kvsim calibrate --model llama-3-8b.*--allow-fallback/,
    );
    expect(() => new CalibratedCostModel({ ...ctx(true), blockSizeTokens: 32 })).toThrow(/no decodeAttention\.paged\.32 table \(paged block sizes measured: 16\)/);
  });

  it('with allowFallback, prices missing terms with the roofline and counts per term which source priced how many iterations', () => {
    const m = new CalibratedCostModel({ ...ctx(false), profile: noPrefill, allowFallback: true });
    const agg = { ...emptyAggregate(), batchSize: 1, prefillTokens: 512, prefillRequests: 1, prefillAttentionPairs: 512 * 256, prefillKvTokens: 512 };
    const c = m.iterationCost(agg, emptyIterationCost());
    const r = new RooflineCostModel(ctx(false)).iterationCost(agg, emptyIterationCost());
    expect(c.terms.prefillAttentionS).toBe(r.terms.prefillAttentionS);
    m.iterationCost({ ...emptyAggregate(), batchSize: 1, decodeTokens: 1, decodeKvTokens: 128 }, emptyIterationCost());
    const sources = m.describe().sources as Record<string, Record<string, number>>;
    expect(sources.prefillAttention).toEqual({ 'roofline fallback (fixture.json has no prefillAttention.contiguous table)': 1 });
    expect(sources.decodeAttention).toEqual({ 'measured fixture.json decodeAttention.contiguous [interpolated]': 1 });
    expect(sources.gemm).toEqual({ 'measured fixture.json layerGemm+lmHead [interpolated]': 2 });
    expect(sources.overhead).toEqual({ 'measured fixture.json iterationOverheadS': 2 });
  });

  it('stalls only for mapping work beyond the iteration when overlapped', () => {
    const m = new CalibratedCostModel(ctx(false));
    const agg = { ...emptyAggregate(), batchSize: 1, decodeTokens: 1, decodeKvTokens: 128, allocTimeS: 1, aheadAllocTimeS: 1 };
    const c = m.iterationCost(agg, emptyIterationCost());
    const compute = c.terms.gemmS + c.terms.decodeAttentionS + c.terms.overheadS;
    expect(c.stallS).toBeCloseTo(1 - compute, 12);
    expect(c.durationS).toBeCloseTo(1, 12);
  });
});

describe('CalibratedCostModel prefill pricing', () => {
  const withPrefill = profile;
  it('prices a batch as one request of its total chunk scaled to its query-key pairs', () => {
    const m = new CalibratedCostModel({ ...ctx(false), profile: withPrefill });
    // Two fresh prompts of 1024 and 3072 tokens: total 4096 (measured: 1e-3 s), pairs = sum c^2/2.
    const pairs = (1024 * 1024) / 2 + (3072 * 3072) / 2;
    const agg = { ...emptyAggregate(), batchSize: 2, prefillTokens: 4096, prefillRequests: 2, prefillAttentionPairs: pairs, prefillKvTokens: 4096 };
    const c = m.iterationCost(agg, emptyIterationCost());
    expect(c.terms.prefillAttentionS).toBeCloseTo(32 * 1e-3 * (pairs / ((4096 * 4096) / 2)), 12);
    // One request of the same total: exactly the table.
    const one = { ...agg, prefillRequests: 1, batchSize: 1, prefillAttentionPairs: (4096 * 4096) / 2 };
    expect(m.iterationCost(one, emptyIterationCost()).terms.prefillAttentionS).toBeCloseTo(32 * 1e-3, 12);
  });
});

describe('CalibratedCostModel enactment fit', () => {
  const fitted: CalibrationProfile = {
    ...profile,
    enactment: { vattention: { iterationS: 2e-4, perPrefillTokenS: 1e-6, allocIterationS: 1e-3, perAllocOpS: 4e-5, iterations: 10 } },
  };
  const base = { ...ctx(false), profile: fitted, policyKind: 'vattention', allocationMode: 'sync' as const };
  it('adds the fitted per-iteration and per-prefill-token costs', () => {
    const m = new CalibratedCostModel(base);
    const agg = { ...emptyAggregate(), batchSize: 1, prefillTokens: 500, prefillRequests: 1, prefillAttentionPairs: 500 * 250, prefillKvTokens: 500 };
    expect(m.iterationCost(agg, emptyIterationCost()).terms.overheadS).toBeCloseTo(2e-4 + 500e-6, 12);
  });
  it('prices allocation work from the fit instead of the modelled VMM costs, stalling fully when synchronous', () => {
    const m = new CalibratedCostModel(base);
    const agg = { ...emptyAggregate(), batchSize: 1, decodeTokens: 1, decodeKvTokens: 128, allocOps: 64, allocTimeS: 99 };
    const c = m.iterationCost(agg, emptyIterationCost());
    expect(c.terms.allocationS).toBeCloseTo(1e-3 + 64 * 4e-5, 12);
    expect(c.stallS).toBeCloseTo(1e-3 + 64 * 4e-5, 12);
    const none = m.iterationCost({ ...agg, allocOps: 0 }, emptyIterationCost());
    expect(none.terms.allocationS).toBe(0);
  });
});

describe('CalibratedCostModel: harness bookkeeping is overhead, not allocation', () => {
  it('prices a static policy admission as executor overhead with no allocation work or stall', () => {
    const fitted: CalibrationProfile = { ...profile, enactment: { static: { iterationS: 1e-4, allocIterationS: 0, perAllocOpS: 0, harnessIterationS: 2e-5, harnessPerOpS: 3e-6, iterations: 10 } } };
    const m = new CalibratedCostModel({ ...ctx(false), profile: fitted, policyKind: 'static', allocationMode: 'none' });
    const agg = { ...emptyAggregate(), batchSize: 1, decodeTokens: 1, decodeKvTokens: 128, allocOps: 4, allocTimeS: 1 };
    const c = m.iterationCost(agg, emptyIterationCost());
    expect(c.terms.allocationS).toBe(0);
    expect(c.stallS).toBe(0);
    expect(c.terms.overheadS).toBeCloseTo(1e-4 + 2e-5 + 4 * 3e-6, 15);
    expect((m.describe().sources as Record<string, unknown>).allocation).toBeUndefined();
  });
});

