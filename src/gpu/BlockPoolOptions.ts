import { checkInt, expected } from '../errors.js';

/** Options of a {@link BlockPool} (the vLLM layout). */
export interface BlockPoolOptions {
  /**
   * CUDA device ordinal.
   * @defaultValue 0
   */
  device?: number;
  /** Attention layers L: the pool holds K and V blocks for each. */
  layers: number;
  /** Blocks N: block id i names the same position in every layer's K and V cache. */
  blocks: number;
  /** Bytes of one block of one layer's K (or V): blockSizeTokens * Hkv * D * b. */
  blockBytes: number;
  /** Rows of the device block table (the most requests running at once). */
  maxSeqs: number;
  /** Columns of the device block table (ceil(maxContext / blockSizeTokens)). */
  maxBlocksPerSeq: number;
}

export type ResolvedBlockPoolOptions = Required<BlockPoolOptions> & { poolBytes: number };

/** Fills defaults and validates every option (messages start with `BlockPool`); touches no device. */
export function resolveBlockPoolOptions(options: BlockPoolOptions): ResolvedBlockPoolOptions {
  if (typeof options !== 'object' || options === null) throw expected('an options object', 'BlockPool options', options);
  const device = checkInt('BlockPool device', options.device ?? 0, 0, 1023);
  const layers = checkInt('BlockPool layers', options.layers, 1, 1 << 12);
  const blocks = checkInt('BlockPool blocks', options.blocks, 1, 0x7fffffff);
  const blockBytes = checkInt('BlockPool blockBytes', options.blockBytes, 4);
  if (blockBytes % 4 !== 0) throw expected('a multiple of 4 bytes', 'BlockPool blockBytes', blockBytes);
  const maxSeqs = checkInt('BlockPool maxSeqs', options.maxSeqs, 1, 1 << 20);
  const maxBlocksPerSeq = checkInt('BlockPool maxBlocksPerSeq', options.maxBlocksPerSeq, 1, 1 << 24);
  const poolBytes = 2 * layers * blocks * blockBytes;
  if (!Number.isSafeInteger(poolBytes)) throw expected('a pool below 2^53 bytes', 'BlockPool blocks', blocks);
  return { device, layers, blocks, blockBytes, maxSeqs, maxBlocksPerSeq, poolBytes };
}
