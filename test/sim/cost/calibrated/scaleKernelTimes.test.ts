import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateProfile } from '../../../../src/sim/cost/calibrated/readProfile.js';
import { scaleKernelTimes } from '../../../../src/sim/cost/calibrated/scaleKernelTimes.js';
import { resolveCostModel } from '../../../../src/sim/cost/resolveCostModel.js';
import { hardwarePreset } from '../../../../src/sim/hardware/presets.js';
import { createPolicy } from '../../../../src/sim/memory/createPolicy.js';
import { modelPreset } from '../../../../src/sim/model/presets.js';

const path = 'profiles/h100-sxm-80gb/llama-3-8b.json';
const profile = validateProfile(JSON.parse(readFileSync(path, 'utf8')), path);

describe('scaleKernelTimes', () => {
  it('multiplies every kernel table cell, keeps the enactment fit and the axes, and says so', () => {
    const s = scaleKernelTimes(profile, 1.25, 'test');
    expect(s.layerGemm!.attention!.timeS).toEqual(profile.layerGemm!.attention!.timeS.map((t) => t * 1.25));
    expect(s.layerGemm!.attention!.x).toEqual(profile.layerGemm!.attention!.x);
    expect(s.decodeAttention!.paged!['16'].timeS).toEqual(profile.decodeAttention!.paged!['16'].timeS.map((r) => r.map((t) => t * 1.25)));
    expect(s.prefillAttention!.contiguous!.a).toEqual(profile.prefillAttention!.contiguous!.a);
    expect(s.enactment).toEqual(profile.enactment);
    expect(s.method).toBe(`${profile.method}; kernel tables x1.2500 (test)`);
    // The input is not modified.
    expect(validateProfile(JSON.parse(readFileSync(path, 'utf8')), path)).toEqual(profile);
    expect(() => scaleKernelTimes(profile, 0, 'x')).toThrow(/finite number > 0/);
  });

  it('resolveCostModel applies it to the chosen profile and names it in the note', () => {
    const model = modelPreset('llama-3-8b');
    const hardware = hardwarePreset('h100-sxm-80gb');
    const policy = createPolicy('paged', { model, hardware, tp: 1 });
    const run = { model, hardware, tp: 1, policy, policyOptions: {} };
    const plain = resolveCostModel(run, { profile: path });
    const scaled = resolveCostModel(run, { profile: path, scaleKernels: { factor: 0.9, why: 'host-speed probe' } });
    expect(scaled.note).toMatch(/kernel tables x0\.9000 \(host-speed probe\);/);
    expect(scaled.profile!.profile.lmHead!.timeS[0]).toBeCloseTo(plain.profile!.profile.lmHead!.timeS[0] * 0.9, 15);
  });
});

describe('resolveCostModel with CUDA graphs', () => {
  const hardware = hardwarePreset('h100-sxm-80gb');
  it('is refused, in one line naming calibrate --cuda-graphs, without a graph fit or without a profile (never a silent fallback)', () => {
    const model = modelPreset('llama-3-8b');
    const run = { model, hardware, tp: 1, policy: createPolicy('paged', { model, hardware, tp: 1 }), policyOptions: {} };
    const cudaGraphs = { captureSizes: [1, 2, 4, 8] };
    expect(() => resolveCostModel(run, { profile: path, cudaGraphs })).toThrow(/has no enactment\.paged\.cudaGraphs fit .*kvsim calibrate --model llama-3-8b --cuda-graphs/);
    expect(() => resolveCostModel(run, { profile: 'roofline', cudaGraphs })).toThrow(/--cuda-graphs needs a calibration profile/);
    expect(resolveCostModel(run, { profile: 'roofline' }).costModel).toBeDefined();
  });
});
