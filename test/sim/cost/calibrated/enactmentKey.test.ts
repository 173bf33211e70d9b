import { describe, expect, it } from 'vitest';
import { enactmentFitsFor, enactmentKey } from '../../../../src/sim/cost/calibrated/predictorFor.js';
import { resolveCostModel } from '../../../../src/sim/cost/resolveCostModel.js';
import { hardwarePreset } from '../../../../src/sim/hardware/presets.js';
import { createPolicy } from '../../../../src/sim/memory/createPolicy.js';
import type { PolicyKind } from '../../../../src/sim/memory/MemoryPolicy.js';
import { modelPreset } from '../../../../src/sim/model/presets.js';

// A hybrid's per-iteration overhead fit: `calibrate` fits `hybrid` with paged attention; a hybrid whose
// attention part is vAttention or static must not be priced with it.
const QUICK = 'profiles/h100-sxm-80gb/validation/hybrid-7b.quick-profile.json';
const model = modelPreset('hybrid-7b');
const hardware = hardwarePreset('h100-sxm-80gb');
const policy = (kind: PolicyKind) => createPolicy(kind, { model, hardware, tp: 1 });

describe('enactmentKey', () => {
  it('is the policy kind, and hybrid:<part> for a hybrid whose attention part is not paged', () => {
    expect(enactmentKey(createPolicy('paged', { model: modelPreset('llama-3-8b'), hardware, tp: 1 }), {})).toBe('paged');
    expect(enactmentKey(policy('paged'), {})).toBe('hybrid');
    expect(enactmentKey(policy('vattention'), {})).toBe('hybrid:vattention');
    expect(enactmentKey(policy('static'), {})).toBe('hybrid:static');
  });

  it('a vAttention hybrid is refused with the committed hybrid profile (it has only the paged fit), a paged one priced', () => {
    const run = (kind: PolicyKind) => ({ model, hardware, tp: 1, policy: policy(kind), policyOptions: {} });
    expect(resolveCostModel(run('paged'), { profile: QUICK }).costModel).toBeDefined();
    expect(() => resolveCostModel(run('vattention'), { profile: QUICK })).toThrow(/enactment\.hybrid:vattention/);
  });
});

describe('enactmentFitsFor', () => {
  it('calibrate stores every fit under the key the cost model looks it up by', () => {
    for (const name of ['llama-3-8b', 'xlstm-7b', 'hybrid-7b', 'xlstm71-1.3b']) {
      const m = modelPreset(name);
      for (const { policy: kind, key } of enactmentFitsFor(m)) {
        expect(enactmentKey(createPolicy(kind, { model: m, hardware, tp: 1 }), {}), `${name} ${kind}`).toBe(key);
      }
    }
    expect(enactmentFitsFor(model).map((f) => f.key)).toEqual(['hybrid', 'hybrid:vattention', 'hybrid:static']);
    expect(enactmentFitsFor(modelPreset('llama-3-8b')).map((f) => f.key)).toEqual(['static', 'paged', 'vattention']);
  });
});
