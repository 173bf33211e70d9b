import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { compareRuns, endToEndErrors, iterationErrors, type ValidationPairs } from '../../../src/sim/validation/compareRuns.js';
import type { Percentiles, RunResult, RunSummary } from '../../../src/sim/metrics/RunResult.js';

describe('iterationErrors', () => {
  it('computes nearest-rank quantiles of |sim-gpu|/gpu and the signed bias', () => {
    const gpu = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    const sim = [1.01, 0.98, 1.03, 1.0, 1.05, 0.9, 1.02, 1.04, 0.99, 1.2];
    const e = iterationErrors(sim, gpu);
    // |errors| sorted: 0, .01, .01, .02, .02, .03, .04, .05, .1, .2
    expect(e.count).toBe(10);
    expect(e.median).toBeCloseTo(0.02, 12);
    expect(e.p90).toBeCloseTo(0.1, 12);
    expect(e.p95).toBeCloseTo(0.2, 12);
    expect(e.max).toBeCloseTo(0.2, 12);
    expect(e.meanSigned).toBeCloseTo((0.01 - 0.02 + 0.03 + 0 + 0.05 - 0.1 + 0.02 + 0.04 - 0.01 + 0.2) / 10, 12);
  });
  it('refuses unpaired columns', () => {
    expect(() => iterationErrors([1], [1, 2])).toThrow(/1 predictions but 2 measurements/);
  });
});

describe('endToEndErrors', () => {
  const p = (x: number): Percentiles => ({ mean: x, p50: x, p90: 2 * x, p99: 3 * x, max: 4 * x });
  const summary = (scale: number) => ({ makespanS: 100 * scale, outputTokensPerS: 1000 / scale, ttftS: p(scale), tbtS: p(0.01 * scale), e2eS: p(10 * scale) }) as unknown as RunSummary;
  it('is signed: positive when the simulator is slower', () => {
    const e = endToEndErrors(summary(1.1), summary(1));
    expect(e.makespanS).toBeCloseTo(0.1, 12);
    expect(e.ttftP99).toBeCloseTo(0.1, 12);
    expect(e.outputTokensPerS).toBeCloseTo(1 / 1.1 - 1, 12);
  });
});

describe('compareRuns on the committed vLLM V1 validation (H100, 2026-12-06, Mooncake prefix)', () => {
  const prefix = 'profiles/h100-sxm-80gb/validation/llama-3-8b.paged-v1.mooncake';
  const gz = (s: string) => JSON.parse(gunzipSync(readFileSync(`${prefix}.${s}.json.gz`)).toString('utf8')) as RunResult;
  const v = JSON.parse(readFileSync(`${prefix}.validation.json`, 'utf8')) as { iterations: ValidationPairs };
  const s = compareRuns(gz('sim'), gz('gpu'), v.iterations);

  it('splits the pairs by phase and locates the first divergence of the two replays', () => {
    const p = s.perPhase!;
    expect(p.prefillOnly.count + p.mixed.count + p.decodeOnly.count).toBe(s.perIteration.count);
    expect(p.firstOfTokenCount.count + p.repeatedTokenCount.count).toBe(s.perIteration.count);
    const d = s.drift!.divergence;
    expect(d.iteration).not.toBeNull();
    expect(d.clockLeadS).toBeCloseTo(d.simStartS! - d.gpuStartS!, 12);
    const lead = d.leadByPhaseS;
    expect(lead.prefillOnly + lead.mixed + lead.decodeOnly + lead.idle).toBeCloseTo(d.clockLeadS!, 9);
    // The request it names was admitted in another iteration because it arrived between the two replays' starts of it.
    expect(d.request?.decision).toBe('admitted');
    const [lo, hi] = [d.simStartS!, d.gpuStartS!].sort((a, b) => a - b);
    expect(d.request!.arrivalS).toBeGreaterThan(lo);
    expect(d.request!.arrivalS).toBeLessThanOrEqual(hi);
  });

  it('writes a summary the published validation schema accepts', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const validate = ajv.compile(JSON.parse(readFileSync('schemas/kvsim.validation-1.schema.json', 'utf8')) as object);
    const file = JSON.parse(JSON.stringify({ schema: 'kvsim.validation/1', card: 'c', model: 'm', policy: 'p', trace: 't', summary: s, iterations: { simS: [1], gpuS: [1] } }));
    expect(validate(file) ? '' : ajv.errorsText(validate.errors)).toBe('');
    const { drift: _drift, ...noDrift } = s;
    expect(validate({ ...file, summary: { ...noDrift, driftUnavailable: 'stride 4' } })).toBe(true);
    expect(validate({ ...file, summary: { ...file.summary, drift: { ...file.summary.drift, extra: 1 } } })).toBe(false);
  });

  it('says why the schedules were not compared when a run is downsampled', () => {
    const sim = gz('sim');
    const t = compareRuns({ ...sim, iterations: { ...sim.iterations, stride: 2 } }, gz('gpu'), v.iterations);
    expect(t.drift).toBeUndefined();
    expect(t.driftUnavailable).toMatch(/downsampled \(stride 2\)/);
  });
});

describe('compareRuns without schedule columns', () => {
  it('does not claim the schedules agree when a run kept no iteration records or request columns', () => {
    const prefix = 'profiles/h100-sxm-80gb/validation/llama-3-8b.paged-v1.mooncake';
    const gz = (s: string) => JSON.parse(gunzipSync(readFileSync(`${prefix}.${s}.json.gz`)).toString('utf8')) as RunResult;
    const v = JSON.parse(readFileSync(`${prefix}.validation.json`, 'utf8')) as { iterations: ValidationPairs };
    const sim = gz('sim');
    const gpu = gz('gpu');
    const noIterations = { ...sim.iterations, startS: [], durationS: [], batchSize: [], prefillTokens: [], decodeTokens: [] };
    const a = compareRuns({ ...sim, iterations: noIterations }, { ...gpu, iterations: { ...noIterations } }, v.iterations);
    expect(a.drift).toBeUndefined();
    expect(a.driftUnavailable).toMatch(/the simulator run records 0 of its 9620 iterations/);
    const noRequests = { arrivalS: [], promptTokens: [], outputTokens: [], admittedS: [], firstTokenS: [], finishS: [], preemptions: [] };
    expect(compareRuns(sim, { ...gpu, requests: noRequests }, v.iterations).driftUnavailable).toMatch(/the GPU run records 0 of its 300 requests/);
  });
});
