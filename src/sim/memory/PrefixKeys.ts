import { expected } from '../../errors.js';
import { MAX_PREFIX_ID } from '../trace/tokenLimits.js';

/** Most blocks one request's keys can name (the block index takes the low 20 bits of a key). */
export const MAX_KEYED_BLOCKS = 2 ** 20;
export { MAX_PREFIX_ID };

/**
 * The content identity of one request's KV blocks, for prefix caching. The trace names its prompt's
 * leading blocks with chained ids (`RequestSpec.prefixBlockIds`, e.g. Mooncake's 512-token hash ids);
 * a policy block j (tokens [j*bs, (j+1)*bs)) lying wholly inside that named region is identified by
 * the id of the trace block holding its last token and by j: the chain makes the id stand for the
 * whole prefix before it, so two requests agree on the key exactly when they agree on every token up
 * to the end of block j. Every other block (the unnamed rest of the prompt, generated tokens) gets a
 * key unique to the request — so only the request itself can hit it again, after a preemption, as in
 * vLLM where a preempted request's freed blocks keep their hashes (vllm/v1/core/block_pool.py,
 * BlockPool.free_blocks keeps the hash until the block is reused).
 *
 * Keys are numbers (no strings, no allocation per lookup): shared keys are id * 2^20 + j >= 0,
 * request-unique keys are -(requestId * 2^20 + j) - 1 < 0.
 */
export class PrefixKeys {
  /** Tokens at the start of the prompt that `ids` name (0 when the trace names none). */
  readonly namedTokens: number;
  /**
   * Tokens of content the request must have computed before it emits its next token: the prompt, or
   * prompt + generated after a preemption (the engine keeps it current). Lookups stop one token short.
   */
  contentTokens: number;
  /** Whether the request is being re-admitted after a preemption (vLLM counts those lookups apart). */
  resumed = false;

  constructor(
    readonly requestId: number,
    private readonly ids: readonly number[] | undefined,
    private readonly idTokens: number,
    promptTokens: number,
  ) {
    this.contentTokens = promptTokens;
    if (ids && ids.length > 0) {
      if (!(Number.isInteger(idTokens) && idTokens >= 1)) throw expected('an integer >= 1', `prefixBlockTokens of request ${requestId}`, idTokens);
      for (let i = 0; i < ids.length; i++) {
        const v = ids[i];
        if (!(Number.isInteger(v) && v >= 0 && v < MAX_PREFIX_ID)) throw expected(`an integer in [0, 2^33)`, `prefixBlockIds[${i}] of request ${requestId}`, v);
      }
      this.namedTokens = Math.min(ids.length * idTokens, promptTokens);
    } else {
      this.namedTokens = 0;
    }
  }

  /** Key of block `j` at block size `blockSizeTokens`. */
  keyOf(j: number, blockSizeTokens: number): number {
    if (j >= MAX_KEYED_BLOCKS) throw expected(`fewer than ${MAX_KEYED_BLOCKS} blocks per request for prefix caching`, `block index of request ${this.requestId}`, j);
    const lastToken = (j + 1) * blockSizeTokens - 1;
    if (lastToken < this.namedTokens) return this.ids![Math.floor(lastToken / this.idTokens)] * MAX_KEYED_BLOCKS + j;
    return -(this.requestId * MAX_KEYED_BLOCKS + j) - 1;
  }
}
