import type { RequestSpec } from './RequestSpec.js';

/** How much of a trace's prompts repeat earlier requests' blocks (what `kvsim trace stats` prints). */
export interface PrefixSharingStats {
  /** Requests that carry prefix block ids. */
  requestsWithBlockIds: number;
  /** The distinct `prefixBlockTokens` values, ascending (one value in any sensible trace). */
  blockTokens: number[];
  /** Block ids over all requests. */
  blocks: number;
  /** Distinct block ids. */
  distinctBlocks: number;
  /** Blocks whose id an earlier request already had. */
  repeatedBlocks: number;
  /** Prompt tokens of every request (with ids or not): the denominator of the fractions below. */
  promptTokens: number;
  /** Prompt tokens in blocks whose id an earlier request already had. */
  repeatedTokens: number;
  /** repeatedTokens / promptTokens. */
  repeatedTokenFraction: number;
  /**
   * Prompt tokens in each request's leading run of blocks seen before: what a prefix cache that
   * never evicts could skip (a cache reuses a prefix, not a block in the middle).
   */
  prefixHitTokens: number;
  /** prefixHitTokens / promptTokens. */
  prefixHitFraction: number;
  /**
   * Ids met again after a different parent id than the first time (or first in one request and not
   * in another): each breaks the hash chain RequestSpec promises. 0 in a well-formed trace.
   */
  chainViolations: number;
}

/** Parent recorded for a request's first block. */
const ROOT = -1;

/**
 * Accumulates PrefixSharingStats request by request, in arrival order. Keeps one map entry per
 * distinct block id (the Mooncake conversation trace: 182,790), nothing per request. Sums are
 * float64 numbers: exact to 2^53 tokens.
 */
export class PrefixSharingCounter {
  private readonly parentOf = new Map<number, number>();
  private readonly sizes = new Set<number>();
  private requests = 0;
  private blocks = 0;
  private repeatedBlocks = 0;
  private promptTokens = 0;
  private repeatedTokens = 0;
  private prefixHitTokens = 0;
  private violations = 0;

  add(r: RequestSpec): void {
    this.promptTokens += r.promptTokens;
    const ids = r.prefixBlockIds;
    if (ids === undefined) return;
    const size = r.prefixBlockTokens ?? 1;
    this.requests++;
    this.sizes.add(size);
    this.blocks += ids.length;
    let leading = true;
    let parent = ROOT;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const tokens = Math.max(0, Math.min(size, r.promptTokens - i * size));
      const known = this.parentOf.get(id);
      if (known === undefined) {
        this.parentOf.set(id, parent);
        leading = false;
      } else {
        if (known !== parent) this.violations++;
        this.repeatedBlocks++;
        this.repeatedTokens += tokens;
        if (leading) this.prefixHitTokens += tokens;
      }
      parent = id;
    }
  }

  /** The statistics so far, or undefined when no request carried block ids. */
  result(): PrefixSharingStats | undefined {
    if (this.requests === 0) return undefined;
    const fraction = (part: number) => (this.promptTokens > 0 ? part / this.promptTokens : 0);
    return {
      requestsWithBlockIds: this.requests,
      blockTokens: [...this.sizes].sort((a, b) => a - b),
      blocks: this.blocks,
      distinctBlocks: this.parentOf.size,
      repeatedBlocks: this.repeatedBlocks,
      promptTokens: this.promptTokens,
      repeatedTokens: this.repeatedTokens,
      repeatedTokenFraction: fraction(this.repeatedTokens),
      prefixHitTokens: this.prefixHitTokens,
      prefixHitFraction: fraction(this.prefixHitTokens),
      chainViolations: this.violations,
    };
  }
}
