import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonChunks } from '../../src/io/jsonChunks.js';

const SEED = 20261206;

describe('jsonChunks', () => {
  it('concatenates to exactly JSON.stringify (seeded)', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4, withNullPrototype: false }), (v) => {
        const expected = JSON.stringify(v) ?? 'null';
        expect([...jsonChunks(v)].join('')).toBe(expected);
      }),
      { seed: SEED, numRuns: 300, verbose: true },
    );
  });

  it('splits long arrays into bounded chunks with the same bytes (NaN as null, nested objects)', () => {
    const columns = { a: Array.from({ length: 30_000 }, (_, i) => (i % 7 === 0 ? Number.NaN : i / 3)), b: Array.from({ length: 20_000 }, (_, i) => ({ i, s: `x${i}` })), u: undefined };
    const chunks = [...jsonChunks(columns)];
    expect(chunks.join('')).toBe(JSON.stringify(columns));
    expect(chunks.reduce((m, c) => Math.max(m, c.length), 0)).toBeLessThan(400_000);
  });
});
