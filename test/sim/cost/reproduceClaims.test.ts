import { describe, expect, it } from 'vitest';
import { CLAIM_BASES, readPublishedClaims, reproduceClaims } from '../../../src/sim/cost/reproduceClaims.js';

// The vAttention paper's headline ratios (abstract of arXiv:2405.04437), recomputed from kernel-level
// published figures (profiles/published/) on two bases. Tolerances are stated per claim; the FA2-paged
// prefill claim is NOT reproducible from the kernel figure available, and the test pins that finding.
const rows = reproduceClaims();
const of = (id: string) => rows.filter((r) => r.claim.id === id);

describe('vAttention headline claims from published kernel profiles', () => {
  it('reads the three claims with their citations', () => {
    expect(readPublishedClaims().map((c) => [c.id, c.ratio])).toEqual([
      ['decode-vs-vllm', 1.97],
      ['prefill-vs-fa2-paged', 3.92],
      ['prefill-vs-flashinfer-paged', 1.45],
    ]);
    expect(rows).toHaveLength(3 * CLAIM_BASES.length);
  });

  it('decode: vLLM v0.2.7 kernel at x2.85 (Figure 9, Yi-6B 16 x 16K) gives the claimed 1.97x within 10% on both bases', () => {
    for (const r of of('decode-vs-vllm')) {
      expect(r.withPublished / 1.97, r.basis).toBeGreaterThan(0.9);
      expect(r.withPublished / 1.97, r.basis).toBeLessThan(1.1);
    }
  });

  it("kvsim's own measured H100 paged decode kernel gives about 1x at the same point (the published gap is vLLM v0.2.7's kernel, not paging)", () => {
    const h100 = of('decode-vs-vllm').find((r) => r.basis.startsWith('H100'))!;
    expect(h100.withKvsimKernels).toBeGreaterThan(0.95);
    expect(h100.withKvsimKernels).toBeLessThan(1.1);
  });

  it('prefill vs FlashInfer paged: the kernel figure (up to 42% slower) gives 1.45x within 10% at long prompts', () => {
    for (const r of of('prefill-vs-flashinfer-paged')) {
      expect(r.withPublished / 1.45, r.basis).toBeGreaterThan(0.9);
      expect(r.withPublished / 1.45, r.basis).toBeLessThan(1.1);
    }
  });

  it('prefill vs FlashAttention-2 paged: NOT reproduced; the kernel figure (up to 37% slower) bounds the end-to-end ratio at 1.37x, far from 3.92x', () => {
    for (const r of of('prefill-vs-fa2-paged')) {
      expect(r.withPublished, r.basis).toBeGreaterThan(1.1);
      expect(r.withPublished, r.basis).toBeLessThanOrEqual(1.37);
    }
  });
});
