import fc from 'fast-check';
import { it } from 'vitest';
import { assertPolicyModel } from './propertyHarness.js';
import { staticSpec } from './specs.js';

it('StaticPolicy matches the reference model after every command', () => {
  const params = fc.record({
    model: fc.constantFrom('llama-3-8b', 'yi-6b'),
    tp: fc.constantFrom(1, 2),
    slots: fc.integer({ min: 0, max: 8 }),
    slack: fc.nat(),
    options: fc.record({ maxContextTokens: fc.integer({ min: 1, max: 300 }) }),
  });
  assertPolicyModel(params, staticSpec);
});
