import fc from 'fast-check';
import { it } from 'vitest';
import { assertPolicyModel } from './propertyHarness.js';
import { pagedSpec } from './specs.js';

it('PagedPolicy matches the reference model after every command', () => {
  const params = fc.record({
    model: fc.constantFrom('llama-3-8b', 'yi-6b', 'llama-2-7b'),
    tp: fc.constantFrom(1, 2),
    blocks: fc.integer({ min: 0, max: 60 }),
    slack: fc.nat(),
    options: fc.record({
      blockSizeTokens: fc.oneof(fc.constantFrom(1, 16, 32), fc.integer({ min: 1, max: 256 })),
      watermark: fc.constantFrom(0, 0.01, 0.1, 0.3),
      maxContextTokens: fc.integer({ min: 1, max: 3000 }),
    }),
  });
  assertPolicyModel(params, pagedSpec);
});
