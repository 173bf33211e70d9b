import { describe, expect, it } from 'vitest';
import { createArrivalSampler, parseArrivalSpec } from '../../../src/sim/trace/ArrivalSpec.js';
import { collectTrace } from '../../../src/sim/trace/collectTrace.js';
import { DEFAULT_TRACE, DEFAULT_TRACE_COUNT, DEFAULT_TRACE_RATE_PER_S } from '../../../src/sim/trace/defaultTrace.js';
import { fitLognormal, lognormalQuantile } from '../../../src/sim/trace/fitLognormal.js';
import { createLengthSampler, parseLengthSpec } from '../../../src/sim/trace/LengthSpec.js';
import { normalCdf, normalQuantile } from '../../../src/sim/trace/normal.js';
import { openSyntheticTrace, openTrace } from '../../../src/sim/trace/openTrace.js';
import { SYNTHETIC_PRESETS, syntheticPreset } from '../../../src/sim/trace/syntheticPresets.js';
import { lengthStats, traceStats } from '../../../src/sim/trace/traceStats.js';

function draw(next: () => number, n: number): Int32Array {
  return Int32Array.from({ length: n }, next);
}

function relErr(got: number, want: number): number {
  return Math.abs(got - want) / want;
}

describe('normal distribution helpers', () => {
  it('quantile inverts the CDF', () => {
    for (const p of [1e-6, 0.01, 0.1, 0.5, 0.9, 0.975, 0.999999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
    expect(normalQuantile(0.9)).toBeCloseTo(1.2815515655, 8);
  });
});

describe('lognormal fitted from a median and a p90', () => {
  it('untruncated: closed form lands exactly', () => {
    const f = fitLognormal(1020, 2734);
    expect(lognormalQuantile(f, 0.5)).toBeCloseTo(1020, 6);
    expect(lognormalQuantile(f, 0.9)).toBeCloseTo(2734, 4);
  });

  it('truncated at the max: the fixed point keeps median and p90 where they were published', () => {
    for (const [median, p90, max] of [[1020, 2734, 14050], [129, 424, 1000], [1469, 5186, 7437], [13, 55, 1899]]) {
      const f = fitLognormal(median, p90, max);
      expect(relErr(lognormalQuantile(f, 0.5), median)).toBeLessThan(1e-6);
      expect(relErr(lognormalQuantile(f, 0.9), p90)).toBeLessThan(1e-6);
      expect(relErr(lognormalQuantile(f, 1), max)).toBeLessThan(1e-6);
    }
  });

  it('rejects impossible statistics with the option name', () => {
    expect(() => fitLognormal(100, 50)).toThrow(/for p90/);
    expect(() => fitLognormal(100, 200, 150)).toThrow(/for max/);
  });
});

describe('synthetic presets reproduce the published Azure 2023 statistics', () => {
  // 50,000 draws: sampling error of the median ~0.5%, of the p90 ~1%; allow 3%.
  for (const name of ['conv', 'code'] as const) {
    it(`${name}: prompt and output median and p90 within 3%`, async () => {
      const preset = SYNTHETIC_PRESETS[name];
      const stats = await traceStats(await openSyntheticTrace({ ...syntheticPreset(name), count: 50_000, seed: 1 }));
      for (const [col, spec] of [['promptTokens', preset.prompt], ['outputTokens', preset.output]] as const) {
        expect(relErr(stats[col].p50, spec.median)).toBeLessThan(0.03);
        expect(relErr(stats[col].p90, spec.p90)).toBeLessThan(0.03);
        expect(stats[col].max).toBeLessThanOrEqual(spec.max);
      }
      expect(relErr(stats.ratePerS, preset.arrival.ratePerS)).toBeLessThan(0.03);
    });
  }

  it('the default trace is synthetic:conv with its fixed count and rate', async () => {
    expect(DEFAULT_TRACE).toBe('synthetic:conv');
    const rows = await collectTrace(await openTrace(DEFAULT_TRACE));
    expect(rows).toHaveLength(DEFAULT_TRACE_COUNT);
    const stats = await traceStats(await openTrace(DEFAULT_TRACE));
    expect(relErr(stats.ratePerS, DEFAULT_TRACE_RATE_PER_S)).toBeLessThan(0.05);
  });
});

describe('determinism', () => {
  it('same seed, same trace; another seed, another trace', async () => {
    const a = await collectTrace(await openTrace('synthetic:conv', { seed: 5, count: 300 }));
    const b = await collectTrace(await openTrace('synthetic:conv:seed=5,count=300'));
    const c = await collectTrace(await openTrace('synthetic:conv', { seed: 6, count: 300 }));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it('each column has its own stream: changing arrivals leaves lengths alone', async () => {
    const base = syntheticPreset('conv');
    const a = await collectTrace(await openSyntheticTrace({ ...base, count: 200 }));
    const b = await collectTrace(await openSyntheticTrace({ ...base, count: 200, arrival: { kind: 'gamma', cv: 3, ratePerS: 1 } }));
    expect(b.map((r) => r.promptTokens)).toEqual(a.map((r) => r.promptTokens));
    expect(b.map((r) => r.outputTokens)).toEqual(a.map((r) => r.outputTokens));
    expect(b.map((r) => r.arrivalS)).not.toEqual(a.map((r) => r.arrivalS));
  });
});

describe('arrival processes', () => {
  function gaps(spec: Parameters<typeof createArrivalSampler>[0], n: number): number[] {
    const next = createArrivalSampler(spec, 3, undefined);
    const times = Array.from({ length: n }, next);
    expect(times[0]).toBe(0);
    return times.slice(1).map((t, i) => t - times[i]);
  }
  const meanCv = (g: number[]) => {
    const mean = g.reduce((s, x) => s + x, 0) / g.length;
    const sd = Math.sqrt(g.reduce((s, x) => s + (x - mean) ** 2, 0) / g.length);
    return [mean, sd / mean];
  };

  it('constant: exact spacing', () => {
    expect(gaps({ kind: 'constant', ratePerS: 4 }, 5)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('poisson: mean gap 1/rate, cv 1', () => {
    const [mean, cv] = meanCv(gaps({ kind: 'poisson', ratePerS: 5 }, 40_000));
    expect(relErr(mean, 0.2)).toBeLessThan(0.02);
    expect(Math.abs(cv - 1)).toBeLessThan(0.03);
  });

  for (const cv of [0.5, 2, 4]) {
    it(`gamma cv ${cv}: mean gap 1/rate, that cv`, () => {
      const [mean, got] = meanCv(gaps({ kind: 'gamma', ratePerS: 2, cv }, 80_000));
      expect(relErr(mean, 0.5)).toBeLessThan(0.04);
      expect(relErr(got, cv)).toBeLessThan(0.08);
    });
  }

  it('replayed from a trace', async () => {
    const rows = await collectTrace(await openTrace('synthetic:code', { count: 50, arrival: { kind: 'trace', source: 'synthetic:conv:count=60' } }));
    const conv = await collectTrace(await openTrace('synthetic:conv:count=60'));
    expect(rows.map((r) => r.arrivalS)).toEqual(conv.slice(0, 50).map((r) => r.arrivalS));
    await expect(openTrace('synthetic:code', { count: 70, arrival: { kind: 'trace', source: 'synthetic:conv:count=60' } }).then(collectTrace)).rejects.toThrow(
      /has only 60 requests but 70 are needed/,
    );
  });

  it('CLI grammar', () => {
    expect(parseArrivalSpec('gamma:cv=2,rate=4')).toEqual({ kind: 'gamma', cv: 2, ratePerS: 4 });
    expect(parseArrivalSpec('poisson')).toEqual({ kind: 'poisson', ratePerS: undefined });
    expect(parseArrivalSpec('trace:a:b,c.csv')).toEqual({ kind: 'trace', source: 'a:b,c.csv' });
    expect(() => parseArrivalSpec('gamma:rate=4')).toThrow(/gamma:cv=CV/);
    expect(() => parseArrivalSpec('poisson:speed=4')).toThrow(/unknown parameter "speed" for poisson \(expected rate\)/);
    expect(() => parseArrivalSpec('bursty')).toThrow(/one of poisson, gamma, constant, trace/);
  });
});

describe('length distributions', () => {
  it('fixed and uniform', () => {
    expect([...draw(createLengthSampler({ kind: 'fixed', tokens: 7 }, 1, 'prompt'), 3)]).toEqual([7, 7, 7]);
    const u = draw(createLengthSampler({ kind: 'uniform', min: 10, max: 12 }, 1, 'prompt'), 30_000);
    const counts = [10, 11, 12].map((v) => u.filter((x) => x === v).length / u.length);
    for (const c of counts) expect(Math.abs(c - 1 / 3)).toBeLessThan(0.02);
  });

  it('zipf: frequencies fall as (rank)^-s', () => {
    const z = draw(createLengthSampler({ kind: 'zipf', min: 5, max: 1000, s: 1.2 }, 2, 'output'), 100_000);
    const f5 = z.filter((x) => x === 5).length;
    const f6 = z.filter((x) => x === 6).length;
    expect(Math.min(...z)).toBe(5);
    expect(Math.max(...z)).toBeLessThanOrEqual(1000);
    expect(relErr(f5 / f6, 2 ** 1.2)).toBeLessThan(0.05);
  });

  it('lognormal from the CLI grammar lands on its stats', () => {
    const spec = parseLengthSpec('lognormal:median=500,p90=2000', '--prompt');
    const s = lengthStats(draw(createLengthSampler(spec, 9, 'prompt'), 50_000));
    expect(relErr(s.p50, 500)).toBeLessThan(0.03);
    expect(relErr(s.p90, 2000)).toBeLessThan(0.03);
  });

  it('resampled from a trace: only values of that trace', async () => {
    const rows = await collectTrace(await openTrace('synthetic:conv:count=1000'));
    const values = new Set(rows.map((r) => r.outputTokens));
    const resampled = await collectTrace(
      await openSyntheticTrace({ ...syntheticPreset('code'), count: 500, output: { kind: 'trace', source: 'synthetic:conv:count=1000' } }),
    );
    for (const r of resampled) expect(values.has(r.outputTokens)).toBe(true);
  });

  it('CLI grammar errors name the option', () => {
    expect(parseLengthSpec('fixed:512', '--prompt')).toEqual({ kind: 'fixed', tokens: 512 });
    expect(() => parseLengthSpec('fixed:0', '--prompt')).toThrow(/Expected an integer in \[1, 1000000000\] for --prompt length tokens but received 0/);
    expect(() => parseLengthSpec('uniform:min=10', '--output')).toThrow(/--output: uniform needs max=/);
    expect(() => parseLengthSpec('normal:mean=3', '--output')).toThrow(/one of fixed, uniform, lognormal, zipf, trace for --output/);
  });
});
