import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { createPolicy } from '../../../src/sim/memory/createPolicy.js';
import { HybridPolicy } from '../../../src/sim/memory/HybridPolicy.js';
import { policyKindsFor } from '../../../src/sim/memory/policyKindsFor.js';
import { modelPreset } from '../../../src/sim/model/presets.js';
import { ctxFor } from './fixtures.js';

describe('policyKindsFor / createPolicy', () => {
  it.each([
    ['llama-3-8b', ['static', 'paged', 'vattention']],
    ['yi-34b', ['static', 'paged', 'vattention']],
    ['xlstm-7b', ['recurrent']],
    ['hybrid-7b', ['hybrid']],
  ])('%s -> %j', (model, kinds) => {
    expect(policyKindsFor(modelPreset(model))).toEqual(kinds);
    for (const kind of kinds) {
      const p = createPolicy(kind as 'paged', ctxFor(model));
      expect(p.kind).toBe(kind);
      expect(p.capacityBytes).toBeGreaterThan(0);
    }
  });

  it('refuses a policy that does not apply to the model, or an unknown one', () => {
    expect(() => createPolicy('paged', ctxFor('xlstm-7b'))).toThrow(UserError);
    expect(() => createPolicy('paged', ctxFor('xlstm-7b'))).toThrow(/does not apply to xlstm-7b.*recurrent/);
    expect(() => createPolicy('lru' as 'paged', ctxFor('llama-3-8b'))).toThrow(/static, paged, vattention, recurrent, hybrid/);
  });

  it('passes options through, and the hybrid exposes its parts', () => {
    const p = createPolicy('hybrid', ctxFor('hybrid-7b'), { attention: 'vattention', attentionOptions: { pageSizeBytes: 65536, assumePageCostS: 1e-6 } });
    expect(p).toBeInstanceOf(HybridPolicy);
    expect((p as HybridPolicy).parts.attention.label).toBe('vattention(page=64KiB, assumed map 1us)');
    expect(createPolicy('paged', ctxFor('llama-3-8b'), { blockSizeTokens: 32 }).label).toBe('paged(block=32)');
  });
});
