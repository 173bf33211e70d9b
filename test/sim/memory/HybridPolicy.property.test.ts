import fc from 'fast-check';
import { it } from 'vitest';
import { assertPolicyModel } from './propertyHarness.js';
import { hybridSpec, type HybridParams } from './specs.js';

const KiB = 1024;
const MiB = 1024 * KiB;
// hybrid-7b, TP1: KV 2*8*8*128*2 = 32 KiB per token; state 24*8*(256*512+256+1)*4 ≈ 96 MiB.
const STATE = 24 * 8 * (256 * 512 + 256 + 1) * 4;

it('HybridPolicy matches the reference model after every command', () => {
  const common = {
    capacity: fc.integer({ min: 0, max: 12 * STATE }),
    options: fc.record({ recurrentFraction: fc.double({ min: 0.05, max: 0.95, noNaN: true }) }, { requiredKeys: [] }),
  };
  const params: fc.Arbitrary<HybridParams> = fc.oneof(
    fc.record({ ...common, attention: fc.constant('static' as const), part: fc.record({ maxContextTokens: fc.integer({ min: 1, max: 4000 }) }) }),
    fc.record({
      ...common,
      attention: fc.constant('paged' as const),
      part: fc.record({ blockSizeTokens: fc.integer({ min: 1, max: 256 }), watermark: fc.constantFrom(0, 0.01), maxContextTokens: fc.integer({ min: 1, max: 30000 }) }),
    }),
    fc.record({
      ...common,
      attention: fc.constant('vattention' as const),
      part: fc.record({
        pageSizeBytes: fc.constantFrom(64 * KiB, 2 * MiB),
        assumePageCostS: fc.constantFrom(0, 1e-6),
        maxContextTokens: fc.integer({ min: 1, max: 30000 }),
        eagerPages: fc.integer({ min: 0, max: 2 }),
        deferredReclamation: fc.boolean(),
      }),
    }),
  );
  assertPolicyModel(params, hybridSpec);
});
