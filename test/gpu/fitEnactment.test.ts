import { readFileSync } from 'node:fs';
import seedrandom from 'seedrandom';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { emptyPairs, type GpuIterationPairs } from '../../src/gpu/GpuExecutor.js';
import type { GpuReplayConfig, GpuReplayResult } from '../../src/gpu/replayOnGpu.js';
import type { CalibrationProfile } from '../../src/sim/cost/calibrated/CalibrationProfile.js';
import { validateProfile } from '../../src/sim/cost/calibrated/readProfile.js';
import { modelPreset } from '../../src/sim/model/presets.js';

// fitEnactment on CPU: the GPU calibration replay is replaced by iteration pairs generated from a
// known model of what whole iterations cost beyond the tables, with seeded noise; the fit must
// recover that model's coefficients, and must ask the replay for what it documents.

const seen: GpuReplayConfig[] = [];
let nextPairs: GpuIterationPairs = emptyPairs();
/** What the first (warm-up) replay of each fit returns; the fit must not read it. */
let warmUpPairs: GpuIterationPairs = emptyPairs();
vi.mock('../../src/gpu/replayOnGpu.js', () => ({
  replayOnGpu: async (config: GpuReplayConfig): Promise<Partial<GpuReplayResult>> => {
    seen.push(config);
    return { pairs: seen.length % 2 === 1 ? warmUpPairs : nextPairs };
  },
}));
const { fitEnactment } = await import('../../src/gpu/fitEnactment.js');

/** The known model: what an iteration costs beyond its table price, and its enactment time. */
const TRUTH = { iterationS: 0.8e-3, perPrefillTokenS: 2e-7, perPrefillRequestS: 0.4e-3, allocIterationS: 60e-6, perAllocOpS: 25e-6 };

/** Gaussian noise (Box-Muller) from a seeded generator. */
function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/**
 * n iterations: 30% prefill (16-2048 tokens), 35% with allocation ops (1-200); each measured time is
 * the table price less the modelled stall, plus TRUTH, plus enactment, with `noise` relative noise.
 */
function synthetic(n: number, seed: string, noise: number): GpuIterationPairs {
  const rng = seedrandom(seed);
  const p = emptyPairs();
  for (let i = 0; i < n; i++) {
    const prefill = rng() < 0.3 ? 16 + Math.floor(rng() * 2033) : 0;
    const prompts = prefill > 0 ? 1 + Math.floor(rng() * Math.min(8, prefill / 16)) : 0;
    const ops = rng() < 0.35 ? 1 + Math.floor(rng() * 200) : 0;
    const simStallS = ops > 0 ? 1e-4 * rng() : 0;
    const simS = 5e-3 + 20e-3 * rng() + simStallS;
    const mapS = ops > 0 ? Math.max(0, (TRUTH.allocIterationS + TRUTH.perAllocOpS * ops) * (1 + noise * gaussian(rng))) : 2e-6 * rng();
    const extra = (TRUTH.iterationS + TRUTH.perPrefillTokenS * prefill + TRUTH.perPrefillRequestS * prompts) * (1 + noise * gaussian(rng));
    p.simS.push(simS);
    p.simStallS.push(simStallS);
    p.mapS.push(mapS);
    p.gpuS.push(simS - simStallS + extra + mapS);
    p.prefillTokens.push(prefill);
    p.prefillRequests.push(prompts);
    p.allocOps.push(ops);
  }
  return p;
}

const profile = { schema: 'kvsim.profile/1', iterationOverheadS: 0.5e-3, enactment: { paged: { iterationS: 1, allocIterationS: 1, perAllocOpS: 1, iterations: 1 } } } as unknown as CalibrationProfile;

describe('fitEnactment recovers a known model from its calibration replay', () => {
  beforeEach(() => {
    seen.length = 0;
  });

  it.each([
    ['no noise', 0, 1e-9],
    ['5% noise', 0.05, 0.05],
  ])('%s: iteration, per-prefill-token, per-allocating-iteration and per-op costs', async (_name, noise, tolerance) => {
    const seed = `fitEnactment:${noise}`;
    nextPairs = synthetic(600, seed, noise);
    const fit = await fitEnactment(modelPreset('llama-3-8b'), 'h100', 1, 'paged', profile);
    const rel = (got: number, want: number) => Math.abs(got - want) / want;
    const msg = `seed ${seed}: ${JSON.stringify(fit)}`;
    expect(rel(fit.iterationS, TRUTH.iterationS), msg).toBeLessThanOrEqual(tolerance);
    // Per token and per prompt, both recovered: the prompts of one iteration vary independently of its tokens.
    expect(rel(fit.perPrefillTokenS ?? 0, TRUTH.perPrefillTokenS), msg).toBeLessThanOrEqual(3 * tolerance);
    expect(rel(fit.perPrefillRequestS ?? 0, TRUTH.perPrefillRequestS), msg).toBeLessThanOrEqual(3 * tolerance);
    expect(rel(fit.perAllocOpS, TRUTH.perAllocOpS), msg).toBeLessThanOrEqual(tolerance);
    // The intercept is small beside 200 ops x 25 us: judge it against the op term's scale.
    expect(Math.abs(fit.allocIterationS - TRUTH.allocIterationS) / (TRUTH.perAllocOpS * 100), msg).toBeLessThanOrEqual(tolerance);
    expect(fit.iterations).toBe(600);
  });

  it('floors the iteration cost at 0 and records the signed decode-only median beside it (decodeMedianS)', async () => {
    nextPairs = synthetic(400, 'negative', 0);
    // Every decode-only iteration 0.3 ms faster than its tables (TRUTH's +0.8 ms, then -1.1 ms).
    nextPairs.gpuS = nextPairs.gpuS.map((t, i) => t - (nextPairs.prefillTokens[i] === 0 ? 1.1e-3 : 0));
    warmUpPairs = nextPairs;
    const fit = await fitEnactment(modelPreset('llama-3-8b'), 'h100', 1, 'paged', profile, 0);
    expect(fit.iterationS).toBe(0);
    expect(fit.decodeMedianS).toBeCloseTo(-0.3e-3, 9);
    nextPairs = synthetic(400, 'positive', 0);
    warmUpPairs = nextPairs;
    const plain = await fitEnactment(modelPreset('llama-3-8b'), 'h100', 1, 'paged', profile, 0);
    expect(plain.decodeMedianS).toBeCloseTo(TRUTH.iterationS, 9);
    expect(plain.iterationS).toBe(plain.decodeMedianS);
    // Profiles accept it signed, and refuse a value that is not a finite number.
    const real = JSON.parse(readFileSync('profiles/h100-sxm-80gb/llama-3-8b.json', 'utf8'));
    real.enactment.paged.decodeMedianS = -0.3e-3;
    expect(validateProfile(structuredClone(real), 'p.json').enactment?.paged.decodeMedianS).toBe(-0.3e-3);
    real.enactment.paged.decodeMedianS = 'x';
    expect(() => validateProfile(real, 'p.json')).toThrow(/^p\.json: enactment\.paged\.decodeMedianS: expected a finite number \(seconds, signed\)/);
  });

  it('fits the second of two replays of the same trace: first-use costs of the warm-up pass do not reach the fit', async () => {
    nextPairs = synthetic(400, 'warm', 0);
    warmUpPairs = synthetic(400, 'warm', 0);
    // The warm-up pass: every prefill iteration 10 ms slower (what first uses of a shape cost on the H100).
    warmUpPairs.gpuS = warmUpPairs.gpuS.map((t, i) => t + (warmUpPairs.prefillTokens[i] > 0 ? 10e-3 : 0));
    const fit = await fitEnactment(modelPreset('llama-3-8b'), 'h100', 1, 'paged', profile, 0);
    expect(seen).toHaveLength(2);
    const [first, second] = seen;
    expect({ ...first, trace: undefined }).toEqual({ ...second, trace: undefined });
    expect(first.trace).not.toBe(second.trace);
    expect(fit.perPrefillRequestS ?? 0).toBeCloseTo(TRUTH.perPrefillRequestS, 9);
    expect(fit.perPrefillTokenS ?? 0).toBeCloseTo(TRUTH.perPrefillTokenS, 12);
  });

  it('replays the calibration trace with the profile bare of fitted overheads, vAttention mapping synchronous', async () => {
    nextPairs = synthetic(50, 'config', 0);
    warmUpPairs = nextPairs;
    await fitEnactment(modelPreset('llama-3-8b'), 'h100', 1, 'vattention', profile, 0);
    await fitEnactment(modelPreset('llama-3-8b'), 'h100', 1, 'paged', profile, 0);
    expect(seen).toHaveLength(4);
    const [va, , paged] = seen;
    expect(va.profile?.profile.iterationOverheadS).toBe(0);
    expect(va.profile?.profile.enactment).toBeUndefined();
    expect(va.policyOptions).toEqual({ mapping: 'sync' });
    expect(paged.policyOptions).toBeUndefined();
    expect([va.policy, va.hardware, va.tp]).toEqual(['vattention', 'h100', 1]);
  });

  it('refuses a replay that ran no iteration', async () => {
    nextPairs = emptyPairs();
    await expect(fitEnactment(modelPreset('llama-3-8b'), 'h100', 1, 'paged', profile)).rejects.toThrow(/no iteration/);
  });
});

describe('fitTwoNonNegative', () => {
  it('solves y = a x1 + b x2 exactly, and clamps a negative coefficient by refitting the other alone', async () => {
    const { fitTwoNonNegative } = await import('../../src/gpu/fitEnactment.js');
    const rows: [number, number, number][] = [[1, 100, 2 + 0.5 * 100], [2, 50, 4 + 25], [3, 400, 6 + 200]];
    const [a, b] = fitTwoNonNegative(rows);
    expect(a).toBeCloseTo(2, 9);
    expect(b).toBeCloseTo(0.5, 9);
    // y falls with x2: b would be negative, so it is 0 and a is the one-term fit.
    const [a2, b2] = fitTwoNonNegative([[1, 100, 1], [1, 200, 0.5], [1, 300, 0.2]]);
    expect(b2).toBe(0);
    expect(a2).toBeCloseTo((1 + 0.5 + 0.2) / 3, 9);
    expect(fitTwoNonNegative([])).toEqual([0, 0]);
  });
});
