import fc from 'fast-check';
import { it } from 'vitest';
import { assertPolicyModel } from './propertyHarness.js';
import { vattentionSpec } from './specs.js';

const KiB = 1024;
const MiB = 1024 * KiB;

it('VAttentionPolicy matches the reference model after every command (both layouts, background steps)', () => {
  const params = fc.record({
    model: fc.constantFrom('llama-3-8b', 'yi-6b', 'llama-2-7b'),
    tp: fc.constantFrom(1, 2),
    groups: fc.integer({ min: 0, max: 40 }),
    slack: fc.nat(),
    options: fc.record(
      {
        pageSizeBytes: fc.constantFrom(64 * KiB, 128 * KiB, 256 * KiB, 2 * MiB, 4 * MiB),
        // Required with small pages; ignored (measured costs) from 2 MiB up.
        assumePageCostS: fc.constantFrom(0, 1e-6, 3e-5),
        layout: fc.constantFrom('perLayer' as const, 'megacache' as const),
        maxContextTokens: fc.integer({ min: 1, max: 3000 }),
        maxBatch: fc.integer({ min: 1, max: 10 }),
        watermark: fc.constantFrom(0, 0.01, 0.1),
        eagerPages: fc.integer({ min: 0, max: 3 }),
        eagerSteps: fc.integer({ min: 0, max: 70 }),
        eagerGroupsPerStep: fc.integer({ min: 0, max: 4 }),
        deferredReclamation: fc.boolean(),
        mapping: fc.constantFrom('overlapped' as const, 'sync' as const),
      },
      { requiredKeys: ['pageSizeBytes', 'assumePageCostS', 'maxContextTokens'] },
    ),
  });
  assertPolicyModel(params, vattentionSpec);
});
