import { describe, expect, it } from 'vitest';
import { collectTrace } from '../../../src/sim/trace/collectTrace.js';
import { openSyntheticTrace, openTrace } from '../../../src/sim/trace/openTrace.js';
import type { PrefixStructureSpec } from '../../../src/sim/trace/PrefixStructureSpec.js';
import type { SyntheticTraceSpec } from '../../../src/sim/trace/syntheticPresets.js';
import { syntheticPreset } from '../../../src/sim/trace/syntheticPresets.js';
import { traceStats } from '../../../src/sim/trace/traceStats.js';

function spec(prefix: PrefixStructureSpec, over: Partial<SyntheticTraceSpec> = {}): SyntheticTraceSpec {
  return {
    name: 'test',
    count: 1000,
    seed: 1,
    arrival: { kind: 'poisson', ratePerS: 5 },
    prompt: { kind: 'uniform', min: 64, max: 256 },
    output: { kind: 'uniform', min: 1, max: 64 },
    prefix,
    ...over,
  };
}

const rows = async (s: SyntheticTraceSpec) => collectTrace(await openSyntheticTrace(s));

describe('synthetic prefix presets', () => {
  it('same seed, same bytes; another seed, another trace', async () => {
    for (const name of ['multiturn', 'system-prompt']) {
      const a = JSON.stringify(await collectTrace(await openTrace(`synthetic:${name}:count=500,seed=5`)));
      const b = JSON.stringify(await collectTrace(await openTrace(`synthetic:${name}`, { count: 500, seed: 5 })));
      const c = JSON.stringify(await collectTrace(await openTrace(`synthetic:${name}:count=500,seed=6`)));
      expect(a).toBe(b);
      expect(a).not.toBe(c);
    }
  });

  it('every request carries ids of the preset block size; the multiturn preset keeps conversations within 8192 tokens', async () => {
    const multi = await collectTrace(await openTrace('synthetic:multiturn:count=3000'));
    for (const r of multi) {
      expect(r.prefixBlockTokens).toBe(16);
      expect(r.prefixBlockIds).toHaveLength(Math.ceil(r.promptTokens / 16));
      expect(r.promptTokens + r.outputTokens).toBeLessThanOrEqual(8192);
    }
  });

  it('trace stats: the presets share prompts, and the multiturn one more with longer conversations', async () => {
    const one = await traceStats(await openTrace('synthetic:multiturn:count=2000,turns=1'));
    const four = await traceStats(await openTrace('synthetic:multiturn:count=2000,turns=4'));
    expect(one.prefixSharing?.chainViolations).toBe(0);
    expect(four.prefixSharing?.prefixHitFraction).toBeGreaterThan(one.prefixSharing?.prefixHitFraction as number);
    // No system prompts and one turn: nothing is shared at all.
    const none = await traceStats(await openTrace('synthetic:multiturn:count=500,turns=1,prompts=0'));
    expect(none.prefixSharing?.repeatedBlocks).toBe(0);
    expect(none.prefixSharing?.distinctBlocks).toBe(none.prefixSharing?.blocks);
  });
});

describe('prefix structure parameters do what they say', () => {
  it('system prompts: whole blocks shared by every request that uses one, popularity Zipf(skew)', async () => {
    const r = await rows(spec({ blockTokens: 16, systemPrompts: 4, systemPromptTokens: { kind: 'fixed', tokens: 100 }, systemPromptSkew: 1 }, { count: 8000 }));
    // 100 tokens = 6 whole blocks of 16 shared; block 6 holds user tokens too.
    const heads = new Map<string, number>();
    for (const x of r) {
      const key = (x.prefixBlockIds as number[]).slice(0, 6).join(',');
      heads.set(key, (heads.get(key) ?? 0) + 1);
    }
    const counts = [...heads.values()].sort((a, b) => b - a);
    expect(counts).toHaveLength(4);
    // P(k) proportional to 1/k: 48%, 24%, 16%, 12%. 8000 draws: within 2 percentage points.
    const h = 1 + 1 / 2 + 1 / 3 + 1 / 4;
    counts.forEach((c, k) => expect(Math.abs(c / 8000 - 1 / (k + 1) / h)).toBeLessThan(0.02));
    const seventh = new Set(r.map((x) => (x.prefixBlockIds as number[])[6]));
    expect(seventh.size).toBe(8000);
  });

  it('skew 0 chooses uniformly', async () => {
    const r = await rows(spec({ blockTokens: 50, systemPrompts: 2, systemPromptTokens: { kind: 'fixed', tokens: 50 }, systemPromptSkew: 0 }, { count: 6000 }));
    const firsts = new Map<number, number>();
    for (const x of r) firsts.set((x.prefixBlockIds as number[])[0], (firsts.get((x.prefixBlockIds as number[])[0]) ?? 0) + 1);
    expect([...firsts.values()].map((c) => Math.abs(c / 6000 - 0.5) < 0.02)).toEqual([true, true]);
  });

  it('turns and think time: a conversation of 2 turns, the second a think time after the first (mean as set)', async () => {
    const r = await rows(spec({ blockTokens: 16, turns: { kind: 'fixed', tokens: 2 }, thinkTimeS: 20 }, { count: 10_000, arrival: { kind: 'poisson', ratePerS: 1 } }));
    const first = new Map<number, number>();
    const gaps: number[] = [];
    for (const x of r) {
      const key = (x.prefixBlockIds as number[])[0]; // user tokens >= 64: block 0 is whole and the conversation's own
      const t = first.get(key);
      if (t === undefined) first.set(key, x.arrivalS);
      else gaps.push(x.arrivalS - t);
    }
    // Conversations still waiting for their second turn when the count ran out have one.
    expect(gaps.length).toBeGreaterThan(4900);
    const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
    expect(Math.abs(mean - 20) / 20).toBeLessThan(0.05);
  });

  it('maxContextTokens ends conversations before they pass it, clipping a first turn that alone does', async () => {
    const r = await rows(
      spec({ blockTokens: 16, systemPrompts: 1, systemPromptTokens: { kind: 'fixed', tokens: 300 }, turns: { kind: 'fixed', tokens: 10 }, thinkTimeS: 1, maxContextTokens: 700 }, { count: 2000 }),
    );
    for (const x of r) expect(x.promptTokens + x.outputTokens).toBeLessThanOrEqual(700);
    const clipped = await rows(spec({ blockTokens: 16, systemPrompts: 1, systemPromptTokens: { kind: 'fixed', tokens: 5000 }, maxContextTokens: 1000 }, { count: 20 }));
    for (const x of clipped) {
      expect([x.promptTokens, x.outputTokens]).toEqual([999, 1]);
      // 999 tokens of the system prompt: its 62 whole blocks shared, the partial 63rd a fresh id.
      expect(x.prefixBlockIds?.slice(0, 62)).toEqual(clipped[0].prefixBlockIds?.slice(0, 62));
      expect(x.prefixBlockIds).toHaveLength(63);
    }
    expect(new Set(clipped.map((x) => x.prefixBlockIds?.[62])).size).toBe(20);
  });

  it('a trace-options rate still rescales the whole trace to that many requests per second', async () => {
    const s = await traceStats(await openTrace('synthetic:multiturn:count=1000', { targetRatePerS: 3 }));
    expect(s.ratePerS).toBeCloseTo(3, 9);
  });
});

describe('spec strings and validation', () => {
  it('prefix keys set the structure', async () => {
    const r = await collectTrace(await openTrace('synthetic:multiturn:count=50,prompts=1,system=64,block=32,turns=1,skew=0,think=0,context=100000'));
    for (const x of r) {
      expect(x.prefixBlockTokens).toBe(32);
      expect(x.prefixBlockIds?.slice(0, 2)).toEqual(r[0].prefixBlockIds?.slice(0, 2));
    }
    expect(new Set(r.map((x) => x.prefixBlockIds?.[2])).size).toBe(50);
  });

  it('bad values and misplaced keys are one-line errors naming the field', async () => {
    await expect(openTrace('synthetic:multiturn:block=0').then(collectTrace)).rejects.toThrow('Expected an integer in [1, 1000000000] for prefix.blockTokens but received 0');
    await expect(openTrace('synthetic:multiturn:think=-1').then(collectTrace)).rejects.toThrow('Expected a finite number >= 0 for prefix.thinkTimeS but received -1');
    await expect(openTrace('synthetic:multiturn:turns=0').then(collectTrace)).rejects.toThrow(/for prefix\.turns length tokens but received 0/);
    await expect(openTrace('synthetic:multiturn:turn=3')).rejects.toThrow('trace: unknown parameter "turn" for multiturn (expected count, rate, seed, prompts, system, skew, turns, think, block, context)');
    await expect(openTrace('synthetic:conv:turns=3')).rejects.toThrow('trace: unknown parameter "turns" for conv (expected count, rate, seed)');
    await expect(
      openSyntheticTrace(spec({ turns: { kind: 'trace', source: 'x' } })).then(collectTrace),
    ).rejects.toThrow('Expected a fixed, uniform, lognormal or zipf length for prefix.turns but received "trace:..."');
  });
});
