import type { PrefixCacheStats } from '../memory/MemoryPolicy.js';
import type { PrefixCacheSummary } from './RunResult.js';

/** The run summary's prefix-cache block from a policy's cumulative counters. */
export function prefixCacheSummary(s: PrefixCacheStats): PrefixCacheSummary {
  return {
    lookups: s.lookups,
    queryTokens: s.queryTokens,
    hitTokens: s.hitTokens,
    hitRate: s.queryTokens > 0 ? s.hitTokens / s.queryTokens : 0,
    resumedLookups: s.resumedLookups,
    resumedQueryTokens: s.resumedQueryTokens,
    resumedHitTokens: s.resumedHitTokens,
    hitBlocks: s.hitBlocks,
    evictions: s.evictions,
  };
}
