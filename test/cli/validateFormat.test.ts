import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { formatValidation } from '../../src/cli/validate.js';
import type { RunResult } from '../../src/sim/metrics/RunResult.js';
import { compareRuns, type ValidationPairs } from '../../src/sim/validation/compareRuns.js';

describe('kvsim validate output', () => {
  const prefix = 'profiles/h100-sxm-80gb/validation/llama-3-8b.paged-v1.conv';
  const gz = (s: string) => JSON.parse(gunzipSync(readFileSync(`${prefix}.${s}.json.gz`)).toString('utf8')) as RunResult;
  const pairs = (JSON.parse(readFileSync(`${prefix}.validation.json`, 'utf8')) as { iterations: ValidationPairs }).iterations;
  const meta = { card: 'NVIDIA H100 80GB HBM3', model: 'llama-3-8b', policy: 'paged', trace: 'conv', predictor: 'calibrated' };

  it('prints per-phase errors and where the two replays first part, after the summary it always printed', () => {
    const sim = gz('sim');
    const gpu = gz('gpu');
    const text = formatValidation(compareRuns(sim, gpu, pairs), meta);
    const lines = text.split('\n');
    expect(lines[2]).toMatch(/^per-iteration \|sim-gpu\|\/gpu over 1192 iterations: median/);
    for (const group of ['prefill-only', 'mixed', 'decode-only', 'with allocation work', 'first of token count', 'repeated token count']) {
      expect(text).toMatch(new RegExp(`\\n  ${group} +n=\\d+ +median \\d`));
    }
    expect(text).toMatch(/independent replays: \d+ simulator \/ \d+ GPU iterations/);
    expect(text).toMatch(/first divergence at iteration \d+ \(the \d+ before agree/);
    expect(text).toMatch(/\n  request \d+ \(arrived [\d.]+ s, preempted/);
    expect(text).toMatch(/clock there: simulator [+-][\d.]+ ms vs GPU/);
    expect(text).toMatch(/latency, mean sim-gpu over 600 requests: wait [+-]/);
  });

  it('says why the schedules were not compared, and prints no phase split without token columns', () => {
    const sim = gz('sim');
    const s = compareRuns({ ...sim, iterations: { ...sim.iterations, stride: 8 } }, gz('gpu'), { simS: pairs.simS, gpuS: pairs.gpuS });
    const text = formatValidation(s, meta);
    expect(text).toMatch(/independent replays not compared: .*downsampled \(stride 8\)/);
    expect(text).not.toMatch(/per phase/);
  });
});
