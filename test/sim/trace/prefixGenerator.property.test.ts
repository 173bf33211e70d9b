import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collectTrace } from '../../../src/sim/trace/collectTrace.js';
import { openSyntheticTrace } from '../../../src/sim/trace/openTrace.js';
import type { RequestSpec } from '../../../src/sim/trace/RequestSpec.js';
import { syntheticPreset } from '../../../src/sim/trace/syntheticPresets.js';

/** Independent check of RequestSpec's chain promise: an id always follows the same parent id. */
function chainViolations(rows: RequestSpec[]): string[] {
  const parentOf = new Map<number, number>();
  const problems: string[] = [];
  for (const r of rows) {
    const ids = r.prefixBlockIds ?? [];
    ids.forEach((id, i) => {
      const parent = i === 0 ? -1 : ids[i - 1];
      const known = parentOf.get(id);
      if (known === undefined) parentOf.set(id, parent);
      else if (known !== parent) problems.push(`request ${r.id}: id ${id} at ${i} follows ${parent}, earlier ${known}`);
    });
  }
  return problems;
}

const paramsArb = fc.record({
  seed: fc.nat(1_000_000),
  count: fc.integer({ min: 1, max: 120 }),
  systemPrompts: fc.integer({ min: 0, max: 3 }),
  systemTokens: fc.integer({ min: 1, max: 200 }),
  skew: fc.double({ min: 0, max: 2, noNaN: true }),
  turns: fc.integer({ min: 1, max: 4 }),
  blockTokens: fc.integer({ min: 1, max: 32 }),
  extraUser: fc.integer({ min: 0, max: 100 }),
  maxOutput: fc.integer({ min: 1, max: 50 }),
  thinkTimeS: fc.double({ min: 0, max: 30, noNaN: true }),
});

describe('synthetic prefix generator: chained block ids that mean what they say', () => {
  it('chain holds, no false sharing, later turns extend earlier ones (seeded property)', async () => {
    await fc.assert(
      fc.asyncProperty(paramsArb, async (p) => {
        const B = p.blockTokens;
        const rows = await collectTrace(
          await openSyntheticTrace({
            name: 'prop',
            count: p.count,
            seed: p.seed,
            arrival: { kind: 'poisson', ratePerS: 2 },
            // User tokens >= one block, so a conversation's first own block is whole in every turn.
            prompt: { kind: 'uniform', min: B, max: B + p.extraUser },
            output: { kind: 'uniform', min: 1, max: p.maxOutput },
            prefix: {
              blockTokens: B,
              systemPrompts: p.systemPrompts,
              systemPromptTokens: { kind: 'fixed', tokens: p.systemTokens },
              systemPromptSkew: p.skew,
              turns: { kind: 'fixed', tokens: p.turns },
              thinkTimeS: p.thinkTimeS,
            },
          }),
        );
        expect(rows).toHaveLength(p.count);
        expect(chainViolations(rows)).toEqual([]);
        const systemBlocks = p.systemPrompts > 0 ? Math.floor(p.systemTokens / B) : 0;
        const conversations = new Map<number, RequestSpec[]>();
        const systemHeads = new Set<string>();
        rows.forEach((r, i) => {
          if (i > 0) expect(r.arrivalS).toBeGreaterThanOrEqual(rows[i - 1].arrivalS);
          const ids = r.prefixBlockIds as readonly number[];
          expect(r.prefixBlockTokens).toBe(B);
          expect(ids).toHaveLength(Math.ceil(r.promptTokens / B));
          expect(new Set(ids).size).toBe(ids.length);
          systemHeads.add(ids.slice(0, systemBlocks).join(','));
          const key = ids[systemBlocks]; // the conversation's first own block
          conversations.set(key, [...(conversations.get(key) ?? []), r]);
        });
        // System prompts: at most one distinct run of leading ids per system prompt.
        expect(systemHeads.size).toBeLessThanOrEqual(Math.max(1, p.systemPrompts));
        const owner = new Map<number, number>();
        for (const [key, turns] of conversations) {
          expect(turns.length).toBeLessThanOrEqual(p.turns);
          for (let k = 1; k < turns.length; k++) {
            const prev = turns[k - 1];
            const cur = turns[k];
            // Turn k's prompt = the whole previous turn (prompt + answer) + at least one block of new tokens.
            expect(cur.promptTokens).toBeGreaterThanOrEqual(prev.promptTokens + prev.outputTokens + B);
            const whole = Math.floor(prev.promptTokens / B);
            expect(cur.prefixBlockIds?.slice(0, whole)).toEqual(prev.prefixBlockIds?.slice(0, whole));
            // Its partial last block, if any, is not reused: the next turn filled it further.
            if (prev.promptTokens % B !== 0) expect(cur.prefixBlockIds).not.toContain(prev.prefixBlockIds?.[whole]);
          }
          // No false sharing: a conversation's own blocks belong to no other conversation.
          for (const r of turns) {
            for (const id of (r.prefixBlockIds as number[]).slice(systemBlocks)) {
              const o = owner.get(id);
              if (o === undefined) owner.set(id, key);
              else expect(o).toBe(key);
            }
          }
        }
      }),
      { numRuns: 150, seed: 11032025 },
    );
  });

  it('the presets keep the chain over many requests', async () => {
    for (const name of ['multiturn', 'system-prompt'] as const) {
      const rows = await collectTrace(await openSyntheticTrace({ ...syntheticPreset(name), count: 3000, seed: 3 }));
      expect(chainViolations(rows), name).toEqual([]);
    }
  });
});
