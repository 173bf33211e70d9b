import fc from 'fast-check';
import { it } from 'vitest';
import { assertPolicyModel } from './propertyHarness.js';
import { vattentionSpec } from './specs.js';

const KiB = 1024;
const MiB = 1024 * KiB;

it('VAttentionPolicy matches the reference model after every command', () => {
  const params = fc.record({
    model: fc.constantFrom('llama-3-8b', 'yi-6b', 'llama-2-7b'),
    tp: fc.constantFrom(1, 2),
    groups: fc.integer({ min: 0, max: 40 }),
    slack: fc.nat(),
    options: fc.record(
      {
        pageSizeBytes: fc.constantFrom(64 * KiB, 128 * KiB, 256 * KiB, 2 * MiB, 4 * MiB),
        maxContextTokens: fc.integer({ min: 1, max: 3000 }),
        maxBatch: fc.integer({ min: 1, max: 10 }),
        eagerPages: fc.integer({ min: 0, max: 3 }),
        lookaheadTokens: fc.integer({ min: 0, max: 70 }),
        deferredReclamation: fc.boolean(),
        mapping: fc.constantFrom('overlapped' as const, 'sync' as const),
      },
      { requiredKeys: ['pageSizeBytes', 'maxContextTokens'] },
    ),
  });
  assertPolicyModel(params, vattentionSpec);
});
