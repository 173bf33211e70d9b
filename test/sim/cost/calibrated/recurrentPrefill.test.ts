import { describe, expect, it } from 'vitest';
import { CalibratedCostModel } from '../../../../src/sim/cost/calibrated/CalibratedCostModel.js';
import type { CalibrationProfile } from '../../../../src/sim/cost/calibrated/CalibrationProfile.js';
import { emptyIterationCost } from '../../../../src/sim/cost/CostModel.js';
import { emptyAggregate } from '../../../../src/sim/cost/IterationAggregate.js';
import { hardwarePreset } from '../../../../src/sim/hardware/presets.js';
import { modelPreset } from '../../../../src/sim/model/presets.js';

// Round numbers shaped like the H100 table (a flat floor below 64 tokens, then linear), not a measurement.
const profile: CalibrationProfile = {
  schema: 'kvsim.profile/1', card: 'fixture', gpu: 'h100-sxm-80gb', driver: '0', cudaRuntime: '0', date: '2026-01-01',
  model: 'xlstm-7b', tp: 1, dtype: 'bf16', method: 'fixture',
  layerGemm: { mlstm: { x: [1, 8192], timeS: [1e-4, 4e-3], xName: 'tokens' } },
  lmHead: { x: [1, 256], timeS: [1e-4, 2e-4], xName: 'rows' },
  recurrentStep: { x: [1, 256], timeS: [1e-5, 7e-4], xName: 'batch' },
  recurrentPrefill: { x: [16, 64, 1024], timeS: [90e-6, 90e-6, 400e-6], xName: 'tokens' },
  iterationOverheadS: 0,
};
const model = modelPreset('xlstm-7b');
const layers = model.layers.length;
const m = () => new CalibratedCostModel({ model, hardware: hardwarePreset('h100'), tp: 1, pagedKernels: false, allocationMode: 'none', profile, profilePath: 'fixture.json', policyKind: 'recurrent' });
const prefill = (prompts: number, tokens: number) => m().iterationCost({ ...emptyAggregate(), batchSize: prompts, prefillRequests: prompts, prefillTokens: tokens, prefillKvTokens: tokens }, emptyIterationCost()).terms.recurrentS;
const f = (x: number) => (x <= 64 ? 90e-6 : 90e-6 + ((x - 64) / (1024 - 64)) * (400e-6 - 90e-6));

describe('CalibratedCostModel recurrent prefill: one launch fixed cost per iteration', () => {
  it('prices one prompt from the table at its length', () => {
    expect(prefill(1, 544)).toBeCloseTo(layers * f(544), 12);
  });
  it('prices a batch of prompts as one prefill of their total tokens, not the floor once per prompt', () => {
    // 4 prompts of 16 tokens: the table's floor once (64 tokens), where per-prompt pricing paid it 4 times.
    expect(prefill(4, 64)).toBeCloseTo(layers * 90e-6, 12);
    expect(prefill(4, 64)).toBeLessThan(4 * layers * 90e-6 * 0.5);
    // In the linear part the batch adds each prompt's per-token work.
    expect(prefill(2, 1024)).toBeCloseTo(layers * f(1024), 12);
    expect(prefill(2, 1024) - prefill(1, 512)).toBeCloseTo(layers * (f(1024) - f(512)), 12);
  });
  it('leaves decode steps priced per batch', () => {
    const c = m().iterationCost({ ...emptyAggregate(), batchSize: 256, decodeTokens: 256 }, emptyIterationCost());
    expect(c.terms.recurrentS).toBeCloseTo(layers * 7e-4, 12);
  });
});
