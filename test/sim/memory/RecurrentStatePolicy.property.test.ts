import fc from 'fast-check';
import { it } from 'vitest';
import { assertPolicyModel } from './propertyHarness.js';
import { recurrentSpec } from './specs.js';

it('RecurrentStatePolicy matches the reference model after every command', () => {
  const params = fc.record({
    slots: fc.integer({ min: 0, max: 10 }),
    slack: fc.nat(),
    options: fc.record({ stateDtype: fc.constantFrom('fp32' as const, 'bf16' as const, 'fp16' as const) }, { requiredKeys: [] }),
  });
  assertPolicyModel(params, recurrentSpec);
});
