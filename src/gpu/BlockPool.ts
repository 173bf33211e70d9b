import { checkInt, expected, InvalidOptionError } from '../errors.js';
import { type BlockPoolOptions, resolveBlockPoolOptions, type ResolvedBlockPoolOptions } from './BlockPoolOptions.js';
import type { NativeBinding, NativeBlockPool } from './NativeBinding.js';
import { nativeCall } from './nativeCall.js';

/**
 * The vLLM mechanism on a real device: one cudaMalloc holding N blocks for every layer's K and V
 * (layout [layer][k|v][block]), and a device block table [maxSeqs][maxBlocksPerSeq] of int32 block
 * ids (-1 = none) that the caller uploads each iteration. Call {@link destroy} when done.
 */
export class BlockPool {
  readonly options: ResolvedBlockPoolOptions;
  private native: NativeBlockPool | null;

  constructor(binding: NativeBinding, options: BlockPoolOptions, freeMemoryBytes?: number) {
    const o = (this.options = resolveBlockPoolOptions(options));
    if (freeMemoryBytes !== undefined && o.poolBytes > freeMemoryBytes) {
      throw new InvalidOptionError(`BlockPool: ${o.blocks} blocks x ${2 * o.layers} caches x ${o.blockBytes} bytes = ${o.poolBytes} bytes exceeds the device's free memory (${freeMemoryBytes} bytes)`);
    }
    this.native = nativeCall(() => new binding.BlockPool({ ...o }));
  }

  /** Uploads rows [0, rows) of a row-major `maxSeqs x maxBlocksPerSeq` table of block ids (-1 = none). */
  uploadBlockTable(table: Int32Array, rows: number): void {
    const o = this.options;
    if (!(table instanceof Int32Array)) throw expected('an Int32Array', 'BlockPool.uploadBlockTable table', table);
    checkInt('BlockPool.uploadBlockTable rows', rows, 0, o.maxSeqs);
    const n = rows * o.maxBlocksPerSeq;
    if (table.length < n) throw expected(`at least rows * maxBlocksPerSeq = ${n} entries`, 'BlockPool.uploadBlockTable table length', table.length);
    for (let i = 0; i < n; i++) {
      const id = table[i];
      if (id < -1 || id >= o.blocks) throw expected(`a block id in [-1, ${o.blocks - 1}]`, `BlockPool.uploadBlockTable table[${i}]`, id);
    }
    const p = this.live();
    nativeCall(() => p.uploadBlockTable(table, rows));
  }

  /** Reads rows [0, rows) of the block table back from the device (the device's own view). */
  downloadBlockTable(rows: number): Int32Array {
    checkInt('BlockPool.downloadBlockTable rows', rows, 0, this.options.maxSeqs);
    const p = this.live();
    return nativeCall(() => p.downloadBlockTable(rows));
  }

  /** Device address of block `block` of layer `layer`'s K (kv = 0) or V (kv = 1) cache. */
  blockAddress(layer: number, kv: 0 | 1, block: number): bigint {
    checkInt('BlockPool.blockAddress layer', layer, 0, this.options.layers - 1);
    checkInt('BlockPool.blockAddress kv', kv, 0, 1);
    checkInt('BlockPool.blockAddress block', block, 0, this.options.blocks - 1);
    const p = this.live();
    return nativeCall(() => p.blockAddress(layer, kv, block));
  }

  /** Device address of the block table (int32, row-major). */
  tableAddress(): bigint {
    const p = this.live();
    return nativeCall(() => p.tableAddress());
  }

  /** Writes `byte` over the blocks in every cache and reads back each block's ends; mismatching words. */
  verifyBlocks(blockIds: Int32Array, byte = 0xa5): number {
    for (let i = 0; i < blockIds.length; i++) checkInt(`BlockPool.verifyBlocks blockIds[${i}]`, blockIds[i], 0, this.options.blocks - 1);
    checkInt('BlockPool.verifyBlocks byte', byte, 0, 255);
    const p = this.live();
    return nativeCall(() => p.verifyBlocks(blockIds, byte));
  }

  get destroyed(): boolean {
    return this.native === null;
  }

  /** Frees the pool and the table. Idempotent. */
  destroy(): void {
    const p = this.native;
    if (!p) return;
    this.native = null;
    nativeCall(() => p.destroy());
  }

  private live(): NativeBlockPool {
    if (!this.native) throw new InvalidOptionError('BlockPool: used after destroy()');
    return this.native;
  }
}
