import { describe, expect, it } from 'vitest';
import { CalibratedCostModel, MissingCostTableError } from '../../../../src/sim/cost/calibrated/CalibratedCostModel.js';
import type { CalibrationProfile } from '../../../../src/sim/cost/calibrated/CalibrationProfile.js';
import { validateProfile } from '../../../../src/sim/cost/calibrated/readProfile.js';
import { emptyIterationCost } from '../../../../src/sim/cost/CostModel.js';
import { emptyAggregate } from '../../../../src/sim/cost/IterationAggregate.js';
import { RooflineCostModel } from '../../../../src/sim/cost/RooflineCostModel.js';
import { hardwarePreset } from '../../../../src/sim/hardware/presets.js';
import { recurrentStateBytesPerLayer } from '../../../../src/sim/model/derived.js';
import type { SlstmLayerSpec } from '../../../../src/sim/model/ModelSpec.js';
import { modelPreset } from '../../../../src/sim/model/presets.js';

// A model with mLSTM and sLSTM layers (xLSTM[7:1]) prices each kind from its own tables. Round
// numbers, not a measurement: mLSTM and sLSTM tables differ by a factor, so a mix-up shows.
const base: CalibrationProfile = {
  schema: 'kvsim.profile/1', card: 'fixture', gpu: 'h100-sxm-80gb', driver: '0', cudaRuntime: '0', date: '2026-01-01',
  model: 'xlstm71-1.3b', tp: 1, dtype: 'bf16', method: 'fixture',
  layerGemm: { mlstm: { x: [1, 8192], timeS: [1e-4, 4e-3], xName: 'tokens' }, slstm: { x: [1, 8192], timeS: [2e-4, 5e-3], xName: 'tokens' } },
  lmHead: { x: [1, 256], timeS: [1e-4, 2e-4], xName: 'rows' },
  recurrentStep: { x: [1, 256], timeS: [1e-5, 7e-4], xName: 'batch' },
  recurrentPrefill: { x: [16, 1024], timeS: [90e-6, 400e-6], xName: 'tokens' },
  slstmStep: { x: [1, 256], timeS: [3e-5, 3e-4], xName: 'batch' },
  slstmPrefill: { x: [16, 1024], timeS: [16 * 8e-6, 1024 * 8e-6], xName: 'tokens' },
  iterationOverheadS: 0,
};
const model = modelPreset('xlstm71-1.3b');
const nSlstm = model.layers.filter((l) => l.kind === 'slstm').length;
const nMlstm = model.layers.length - nSlstm;
const ctx = { model, hardware: hardwarePreset('h100'), tp: 1, pagedKernels: false, allocationMode: 'none' as const, profilePath: 'fixture.json', policyKind: 'recurrent' };

describe('xlstm71-1.3b preset (xLSTM[7:1])', () => {
  it('has one sLSTM layer in eight: 42 mLSTM + 6 sLSTM, sLSTM 4 heads of 512', () => {
    expect([nMlstm, nSlstm]).toEqual([42, 6]);
    const s = model.layers.find((l): l is SlstmLayerSpec => l.kind === 'slstm')!;
    expect([s.heads, s.headDim, s.convKernel, s.convChannels]).toEqual([4, 512, 4, 2048]);
  });

  it('sLSTM state per request: h, c, n in the state dtype and m in fp32 per unit, plus the conv window', () => {
    const s = model.layers.find((l): l is SlstmLayerSpec => l.kind === 'slstm')!;
    expect(recurrentStateBytesPerLayer(s)).toBe(4 * 512 * (3 * 4 + 4) + 3 * 2048 * 4);
    expect(recurrentStateBytesPerLayer({ ...s, stateDtype: 'bf16' })).toBe(4 * 512 * (3 * 2 + 4) + 3 * 2048 * 2);
    expect(recurrentStateBytesPerLayer(s, 2)).toBe(2 * 512 * 16 + 3 * 1024 * 4);
  });
});

describe('CalibratedCostModel with mLSTM and sLSTM layers', () => {
  it('prices decode steps and prefill from each kind its own table, the label naming both', () => {
    const m = new CalibratedCostModel({ ...ctx, profile: base });
    const decode = m.iterationCost({ ...emptyAggregate(), batchSize: 256, decodeTokens: 256 }, emptyIterationCost());
    expect(decode.terms.recurrentS).toBeCloseTo(nMlstm * 7e-4 + nSlstm * 3e-4, 12);
    const prefill = m.iterationCost({ ...emptyAggregate(), batchSize: 2, prefillRequests: 2, prefillTokens: 1024, prefillKvTokens: 1024 }, emptyIterationCost());
    expect(prefill.terms.recurrentS).toBeCloseTo(nMlstm * 400e-6 + nSlstm * 1024 * 8e-6, 12);
    const gemm = m.iterationCost({ ...emptyAggregate(), batchSize: 1, decodeTokens: 1 }, emptyIterationCost()).terms.gemmS;
    expect(gemm).toBeCloseTo(nMlstm * 1e-4 + nSlstm * 2e-4 + 1e-4, 12);
    expect(Object.keys(m.sources.toJSON().recurrent ?? {})).toEqual([
      'measured fixture.json recurrentStep/recurrentPrefill (prefill kernel: unrecorded; auto ran sequential then) + slstmStep/slstmPrefill (step variant: unrecorded) [interpolated]',
    ]);
  });

  it('the label names the prefill kernel and sLSTM variant a profile records', () => {
    const recorded: CalibrationProfile = {
      ...base,
      recurrentPrefill: { ...base.recurrentPrefill!, algorithm: 'auto: tfla from 16 tokens, sequential below' },
      slstmStep: { ...base.slstmStep!, variant: 'new' },
    };
    const m = new CalibratedCostModel({ ...ctx, profile: recorded });
    m.iterationCost({ ...emptyAggregate(), batchSize: 2, decodeTokens: 2 }, emptyIterationCost());
    expect(Object.keys(m.sources.toJSON().recurrent ?? {})).toEqual([
      'measured fixture.json recurrentStep/recurrentPrefill (prefill kernel: auto: tfla from 16 tokens, sequential below) + slstmStep/slstmPrefill (step variant: new) [interpolated]',
    ]);
  });

  it('refuses a profile without the sLSTM tables, naming them; with fallback the roofline prices the term', () => {
    const { slstmStep: _s, slstmPrefill: _p, ...noSlstm } = base;
    expect(() => new CalibratedCostModel({ ...ctx, profile: noSlstm })).toThrow(MissingCostTableError);
    expect(() => new CalibratedCostModel({ ...ctx, profile: noSlstm })).toThrow(/slstmStep\/slstmPrefill/);
    const m = new CalibratedCostModel({ ...ctx, profile: noSlstm, allowFallback: true });
    const c = m.iterationCost({ ...emptyAggregate(), batchSize: 4, decodeTokens: 4 }, emptyIterationCost());
    expect(c.terms.recurrentS).toBeGreaterThan(0);
    expect(Object.keys(m.sources.toJSON().recurrent ?? {})[0]).toMatch(/^roofline fallback \(fixture\.json has no slstmStep\/slstmPrefill table\)/);
  });

  it('a model with sLSTM layers only needs no mLSTM tables (recurrentStep/recurrentPrefill)', () => {
    const slstmOnly = { ...model, name: 'slstm-only', layers: model.layers.filter((l) => l.kind === 'slstm') };
    const { recurrentStep: _s, recurrentPrefill: _p, layerGemm, ...rest } = base;
    const profile = { ...rest, layerGemm: { slstm: layerGemm!.slstm } };
    const m = new CalibratedCostModel({ ...ctx, model: slstmOnly, profile });
    const decode = m.iterationCost({ ...emptyAggregate(), batchSize: 256, decodeTokens: 256 }, emptyIterationCost());
    expect(decode.terms.recurrentS).toBeCloseTo(nSlstm * 3e-4, 12);
    expect(Object.keys(m.sources.toJSON().recurrent ?? {})).toEqual(['measured fixture.json slstmStep/slstmPrefill (step variant: unrecorded) [interpolated]']);
  });

  it('the profile reader checks the sLSTM tables like the others', () => {
    expect(validateProfile(JSON.parse(JSON.stringify(base)), 'p.json')).toEqual(base);
    const broken = { ...base, slstmPrefill: { x: [16, 1024], timeS: [1e-4], xName: 'tokens' } };
    expect(() => validateProfile(broken, 'p.json')).toThrow(/^p\.json: slstmPrefill/);
  });
});

describe('RooflineCostModel sLSTM term', () => {
  const roofline = new RooflineCostModel({ model, hardware: hardwarePreset('h100'), tp: 1, pagedKernels: false, allocationMode: 'none' });
  const recurrentS = (prefillTokens: number) =>
    roofline.iterationCost({ ...emptyAggregate(), batchSize: 1, prefillRequests: 1, prefillTokens, prefillKvTokens: prefillTokens }, emptyIterationCost()).terms.recurrentS;
  it('pays a launch and an R read per prompt token (sequential steps), so prefill grows at least that fast', () => {
    const o = roofline.options;
    const rBytes = 4 * 4 * 512 * 512 * 2;
    const perStep = o.launchOverheadS + rBytes / o.memoryBytesPerS;
    expect(recurrentS(1000) - recurrentS(100)).toBeGreaterThanOrEqual(nSlstm * 900 * perStep * 0.999);
  });
  it('an mLSTM-only model keeps one launch per layer however long the prompt', () => {
    const x = new RooflineCostModel({ model: modelPreset('xlstm-7b'), hardware: hardwarePreset('h100'), tp: 1, pagedKernels: false, allocationMode: 'none' });
    const r = (t: number) => x.iterationCost({ ...emptyAggregate(), batchSize: 1, prefillRequests: 1, prefillTokens: t, prefillKvTokens: t }, emptyIterationCost()).terms.recurrentS;
    const o = x.options;
    expect(r(1000) - r(100)).toBeLessThan(32 * 900 * o.launchOverheadS);
  });
});
