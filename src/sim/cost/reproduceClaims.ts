import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hardwarePreset } from '../hardware/presets.js';
import { modelPreset } from '../model/presets.js';
import { profilesDir } from './calibrated/findProfile.js';
import { vattentionOverPaged } from './compareAttention.js';
import type { CostModelOptions } from './resolveCostModel.js';

export interface PublishedClaim {
  id: string;
  ratio: number;
  metric: string;
  /** The published paged-kernel profile the claim compares against. */
  paged: string;
  setup: { model: string; batch?: number; contextTokens?: number; chunkTokens?: number; blockSize: number };
  cite: string;
}

/** Where a reproduction is priced: the card, and the cost resolution of everything but the paged kernel. */
export interface ClaimBasis {
  name: string;
  gpu: string;
  cost: CostModelOptions;
}

/** The bases the notebook and the test use: kvsim's measured H100 profiles, and the analytic model on the A100 preset (assumed rates). */
export const CLAIM_BASES: readonly ClaimBasis[] = [
  { name: 'H100, kvsim measured profile (contiguous kernels, GEMMs, overhead)', gpu: 'h100', cost: { profile: 'auto' } },
  { name: 'A100 80GB, roofline (rates assumed: 90% of datasheet bandwidth, 80% of peak)', gpu: 'a100', cost: { profile: 'roofline' } },
];

/** Prompt lengths the prefill claims are evaluated at ("up to": the largest ratio over them). */
export const PREFILL_PROMPTS = [16384, 32768, 65536, 131072, 196608];

export function readPublishedClaims(dir = profilesDir()): PublishedClaim[] {
  return (JSON.parse(readFileSync(join(dir, 'published', 'vattention-claims.json'), 'utf8')) as { claims: PublishedClaim[] }).claims;
}

export interface ClaimReproduction {
  claim: PublishedClaim;
  basis: string;
  /** With the paper's paged kernel (the published profile). */
  withPublished: number;
  /** With kvsim's own measured paged kernel instead (what kvsim's kernels say today); NaN where no measured table exists. */
  withKvsimKernels: number;
  /** Where the ratio was taken (batch x context for decode, prompt length for prefill). */
  at: string;
}

/**
 * Each headline claim recomputed from kernel-level figures: the paged side runs the published paged
 * kernel profile, the vAttention side the contiguous kernel, all other terms from the same basis. The
 * decode claim is evaluated at its stated point; the prefill claims ("up to") at the largest ratio over
 * {@link PREFILL_PROMPTS} prefilled in chunks of the stated size.
 */
export function reproduceClaims(claims = readPublishedClaims(), bases = CLAIM_BASES): ClaimReproduction[] {
  const out: ClaimReproduction[] = [];
  for (const claim of claims) {
    for (const b of bases) {
      const common = { model: modelPreset(claim.setup.model), hardware: hardwarePreset(b.gpu), cost: { ...b.cost, allowFallback: false }, blockSizeTokens: claim.setup.blockSize };
      const published = vattentionOverPaged({ ...common, pagedKernels: claim.paged });
      // kvsim's own kernels exist only as measurements (NaN where no measured table covers the setup).
      const kvsim = b.cost.profile === 'roofline' ? undefined : vattentionOverPaged({ ...common, pagedKernels: 'kvsim' });
      if (claim.setup.batch !== undefined) {
        const { batch, contextTokens = 16384 } = claim.setup;
        out.push({ claim, basis: b.name, withPublished: published.decode(batch, contextTokens), withKvsimKernels: kvsim ? kvsim.decode(batch, contextTokens) : Number.NaN, at: `batch ${batch} x ${contextTokens} context` });
      } else {
        const chunk = claim.setup.chunkTokens ?? 2048;
        let best = { r: Number.NEGATIVE_INFINITY, k: Number.NaN, p: 0 };
        for (const p of PREFILL_PROMPTS) {
          const r = published.prefill(p, chunk);
          if (r > best.r) best = { r, k: kvsim ? kvsim.prefill(p, chunk) : Number.NaN, p };
        }
        out.push({ claim, basis: b.name, withPublished: best.r, withKvsimKernels: best.k, at: `prompt ${best.p} in chunks of ${chunk}` });
      }
    }
  }
  return out;
}
