import { describe, expect, it } from 'vitest';
import { formatCostSources } from '../../../src/sim/cost/formatCostSources.js';

describe('formatCostSources: the replay footer that names where every term came from', () => {
  const measured = { resolution: 'measured profile p.json', sources: { gemm: { 'measured p.json layerGemm+lmHead [interpolated]': 90, 'measured p.json layerGemm+lmHead [extrapolated-linear]': 10 } } };
  const fellBack = {
    resolution: 'measured profile p.json',
    sources: { gemm: { 'measured p.json layerGemm+lmHead [interpolated]': 100 }, decodeAttention: { 'measured p.json decodeAttention.paged.16 [interpolated]': 75, 'roofline fallback (p.json has no decodeAttention.paged.32 table)': 25 } },
  };

  it('prints each resolution once, per term the share per source with provenance, and merges identical lines', () => {
    const { lines, warnings } = formatCostSources([{ tag: 'm static', costModel: measured }, { tag: 'm paged', costModel: fellBack }]);
    expect(lines).toEqual([
      'cost model [m static, m paged]: measured profile p.json',
      'cost sources (share of the iterations that have the term):',
      '  GEMMs + LM head: measured p.json layerGemm+lmHead 100% (interpolated 90.0%, extrapolated-linear 10.0%) [m static]',
      '  GEMMs + LM head: measured p.json layerGemm+lmHead 100% [m paged]',
      '  decode attention: measured p.json decodeAttention.paged.16 75.0%; roofline fallback (p.json has no decodeAttention.paged.32 table) 25.0% [m paged]',
    ]);
    expect(warnings).toEqual(['warning: m paged: 25.0% of the iterations with decode attention (25 of 100) priced by the roofline fallback (p.json has no decodeAttention.paged.32 table)']);
  });

  it('says when the caller gave its own cost model', () => {
    expect(formatCostSources([{ tag: 'x', costModel: { costModel: 'roofline' } }]).lines).toEqual(['cost model: cost model given by the caller (roofline)']);
  });
});
