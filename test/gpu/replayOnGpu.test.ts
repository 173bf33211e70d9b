import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replayOnGpu } from '../../src/gpu/replayOnGpu.js';
import type { CalibrationProfile } from '../../src/sim/cost/calibrated/CalibrationProfile.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';
import { fakeBinding } from './fakes/fakeBinding.js';

// replayOnGpu on CPU with a fake binding: what it records as the GPU run, which cost model prices the
// pairs, and that every device resource it made is freed, even when the replay fails.

const PROFILE_PATH = 'profiles/h100-sxm-80gb/llama-3-8b.json';
const profile = JSON.parse(readFileSync(PROFILE_PATH, 'utf8')) as CalibrationProfile;

describe('replayOnGpu with a fake binding', () => {
  it('records the measured iterations as the run, one (predicted, measured) pair per iteration, priced by the given profile', async () => {
    const fake = fakeBinding();
    const trace = await openTrace('synthetic:conv', { count: 10, seed: 3, maxContextTokens: 4096 });
    const g = await replayOnGpu({ trace, model: 'llama-3-8b', hardware: 'h100', policy: 'paged', gpu: fake, profile: { profile, path: PROFILE_PATH } });
    expect(g.card).toBe(fake.info.name);
    expect(g.run.config.backend).toBe('gpu');
    expect(g.predictor).toMatch(/^calibrated\(/);
    const its = g.run.iterations;
    expect(its.stride).toBe(1);
    expect(its.durationS).toEqual(g.pairs.gpuS); // the engine advanced by what the device measured
    expect(g.pairs.simS.length).toBe(g.pairs.gpuS.length);
    expect(g.pairs.prefillTokens).toEqual(its.prefillTokens);
    expect(g.pairs.decodeTokens).toEqual(its.decodeTokens);
    expect(g.pairs.simS.every((s) => s > 0)).toBe(true);
  });

  it('prices with the roofline model when no profile is given', async () => {
    const fake = fakeBinding();
    const trace = await openTrace('synthetic:conv', { count: 4, seed: 3, maxContextTokens: 4096 });
    const g = await replayOnGpu({ trace, model: 'llama-3-8b', hardware: 'h100', policy: 'static', gpu: fake });
    expect(g.predictor).not.toMatch(/^calibrated\(/);
    expect(g.run.summary.completed).toBe(4);
  });

  it('refuses tensor parallelism (one GPU, no all-reduce) before touching the device', async () => {
    const fake = fakeBinding();
    const trace = await openTrace('synthetic:conv', { count: 2, seed: 3, maxContextTokens: 4096 });
    await expect(replayOnGpu({ trace, model: 'llama-3-8b', hardware: 'h100', policy: 'paged', tp: 2, gpu: fake })).rejects.toThrow(/GPU replay at --tp 2: the GPU executor runs on one GPU .*use --tp 1/);
    expect(fake.calls).toEqual([]);
  });

  it('frees the model and the arena when an iteration fails on the device', async () => {
    let runs = 0;
    const fake = fakeBinding({
      iterationS: () => {
        if (++runs === 5) throw new Error('device lost');
        return 1e-3;
      },
    });
    const trace = await openTrace('synthetic:conv', { count: 4, seed: 3, maxContextTokens: 4096 });
    await expect(replayOnGpu({ trace, model: 'llama-3-8b', hardware: 'h100', policy: 'vattention', gpu: fake })).rejects.toThrow('device lost');
    const destroyed = fake.calls.flatMap((c) => (c.call === 'destroy' ? [c.what] : []));
    expect(destroyed.sort()).toEqual(['arena', 'model']);
  });
});
