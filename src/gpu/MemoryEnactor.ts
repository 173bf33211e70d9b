import { KvsimError } from '../errors.js';
import type { MemoryOp } from '../sim/memory/MemoryPolicy.js';
import type { BlockPool } from './BlockPool.js';
import type { VmmArena } from './VmmArena.js';

/** An op the enactor cannot apply: the policy and the device disagree (a bug, never a user error). */
export class EnactmentError extends KvsimError {
  constructor(message: string) {
    super('ENACTMENT', message);
  }
}

export interface MemoryEnactorOptions {
  /** Where mapPages/unmapPages go (vAttention). */
  arena?: VmmArena;
  /**
   * Where assignBlocks/freeBlocks go (PagedAttention). Its device block table is a check copy: it is
   * uploaded by {@link MemoryEnactor.syncDeviceBlockTable}, never inside {@link MemoryEnactor.enactOps}
   * (the kernels read the rows the model uploads with each iteration's metadata).
   */
  pool?: BlockPool;
  /**
   * 'overlapped': page ops are queued on the arena's mapping thread and {@link MemoryEnactor.finishIteration}
   * waits for them (call it before kernels touch the pages); 'sync': pages are mapped inside enactOps.
   * @defaultValue 'sync'
   */
  mapping?: 'overlapped' | 'sync';
}

/** What one enactOps call did. */
export interface EnactSummary {
  mapGroups: number;
  unmapGroups: number;
  blocksAssigned: number;
  blocksFreed: number;
}

/**
 * Applies a simulator policy's memory operations ({@link MemoryOp}, from `takeOps()`) to real device
 * memory: pages of a {@link VmmArena}, blocks and the block table of a {@link BlockPool}, and slot
 * ownership. It keeps its own record of what each op implies, so a check can compare three views:
 * the simulator's, the enactor's, and the device's own (VmmArena.queryDevice, BlockPool.downloadBlockTable).
 */
export class MemoryEnactor {
  readonly arena: VmmArena | undefined;
  readonly pool: BlockPool | undefined;
  readonly mapping: 'overlapped' | 'sync';
  /** Page groups mapped per arena slot, as the ops say. */
  readonly groupsPerSlot: Int32Array;
  private readonly kvSlotOf = new Map<number, number>();
  private readonly kvSlotOwner: Int32Array;
  private readonly stateSlots = new Map<number, number>();
  /** Requests holding each block (prefix caching shares full blocks; 0 = free or cached). */
  private readonly blockRefs: Int32Array;
  private readonly rowBlocks: number[][] = [];
  private readonly table: Int32Array;
  private tableDirty = false;
  private rowsUsed = 0;
  private assigned = 0;

  constructor(options: MemoryEnactorOptions) {
    this.arena = options.arena;
    this.pool = options.pool;
    this.mapping = options.mapping ?? 'sync';
    if (this.mapping !== 'sync' && this.mapping !== 'overlapped') throw new EnactmentError(`MemoryEnactor: mapping must be "sync" or "overlapped", got ${String(this.mapping)}`);
    const arenaSlots = this.arena?.options.slots ?? 0;
    const poolRows = this.pool?.options.maxSeqs ?? 0;
    this.groupsPerSlot = new Int32Array(arenaSlots);
    this.kvSlotOwner = new Int32Array(Math.max(arenaSlots, poolRows, 1)).fill(-1);
    this.blockRefs = new Int32Array(this.pool?.options.blocks ?? 0);
    for (let r = 0; r < poolRows; r++) this.rowBlocks.push([]);
    this.table = new Int32Array(poolRows * (this.pool?.options.maxBlocksPerSeq ?? 0)).fill(-1);
  }

  /**
   * Applies `ops` in order. Block ops change the host table only: as in vLLM V1 (vllm/v1/core/
   * kv_cache_manager.py KVCacheManager.allocate_slots is host bookkeeping; vllm/v1/worker/block_table.py
   * BlockTable.commit_block_table copies the scheduled requests' rows with the step's inputs), the rows
   * reach the device with the iteration's metadata (GpuModel.run). Validating and uploading every row
   * in use (x maxBlocksPerSeq) here cost the H100 hybrid-7b validation of 2026-12-07 ~2 ms per
   * allocating iteration at 8192 blocks per row, growing with the rows in use: a harness cost no
   * serving system pays, which the calibration (48 requests, few rows) could not learn.
   */
  enactOps(ops: readonly MemoryOp[]): EnactSummary {
    const s: EnactSummary = { mapGroups: 0, unmapGroups: 0, blocksAssigned: 0, blocksFreed: 0 };
    for (const op of ops) {
      switch (op.op) {
        case 'assignSlot':
          this.assignSlot(op.requestId, op.slot, op.part);
          break;
        case 'freeSlot':
          this.freeSlot(op.requestId, op.slot, op.part);
          break;
        case 'mapPages': {
          const a = this.needArena(op);
          if (this.kvSlotOwner[op.slot] !== op.requestId) throw new EnactmentError(`mapPages for request ${op.requestId} in slot ${op.slot}, owned by ${this.kvSlotOwner[op.slot]}`);
          if (op.firstPage !== this.groupsPerSlot[op.slot]) {
            throw new EnactmentError(`mapPages at page ${op.firstPage} of slot ${op.slot}, which maps ${this.groupsPerSlot[op.slot]} pages (growth must be contiguous)`);
          }
          if (this.mapping === 'overlapped') a.enqueueMap(op.slot, op.firstPage, op.count);
          else a.mapPages(op.slot, op.firstPage, op.count);
          this.groupsPerSlot[op.slot] += op.count;
          s.mapGroups += op.count;
          break;
        }
        case 'unmapPages': {
          const a = this.needArena(op);
          if (op.firstPage + op.count !== this.groupsPerSlot[op.slot]) {
            throw new EnactmentError(`unmapPages [${op.firstPage}, ${op.firstPage + op.count}) of slot ${op.slot}, which maps ${this.groupsPerSlot[op.slot]} pages (reclaim takes the top)`);
          }
          if (this.mapping === 'overlapped') a.enqueueUnmap(op.slot, op.firstPage, op.count);
          else a.unmapPages(op.slot, op.firstPage, op.count);
          this.groupsPerSlot[op.slot] -= op.count;
          s.unmapGroups += op.count;
          break;
        }
        case 'assignBlocks':
          s.blocksAssigned += this.assignBlocks(op.requestId, op.blockIds);
          break;
        case 'freeBlocks':
          s.blocksFreed += this.freeBlocks(op.requestId, op.blockIds);
          break;
        case 'shareBlocks':
          this.shareBlocks(op.requestId, op.blockIds);
          break;
        default:
          throw new EnactmentError(`unknown memory op ${JSON.stringify(op)}`);
      }
    }
    return s;
  }

  /**
   * Copies the host block table into the pool's device table when block ops changed it, so a check can
   * read the device's own view back (BlockPool.downloadBlockTable). Returns the rows uploaded (0 when
   * nothing changed). Not part of serving: the executor never calls it.
   */
  syncDeviceBlockTable(): number {
    if (!this.pool || !this.tableDirty) return 0;
    this.pool.uploadBlockTable(this.table, this.rowsUsed);
    this.tableDirty = false;
    return this.rowsUsed;
  }

  /** Waits for queued page work (overlapped mode); a no-op otherwise. */
  finishIteration(): void {
    if (this.arena && this.mapping === 'overlapped') this.arena.flush();
  }

  /** Page groups mapped in all slots, as the ops say. */
  get mappedGroups(): number {
    let n = 0;
    for (const g of this.groupsPerSlot) n += g;
    return n;
  }

  /** Blocks currently assigned to requests, as the ops say. */
  get assignedBlocks(): number {
    return this.assigned;
  }

  /** The block table as enacted (row-major, -1 = none), and how many rows are in use. */
  blockTable(): { table: Int32Array; rows: number } {
    return { table: this.table, rows: this.rowsUsed };
  }

  /** The kv slot (arena slot or block-table row) request `id` holds, -1 if none. */
  slotOf(id: number): number {
    return this.kvSlotOf.get(id) ?? -1;
  }

  private needArena(op: MemoryOp): VmmArena {
    if (!this.arena) throw new EnactmentError(`${op.op} needs a VmmArena but the enactor has none`);
    return this.arena;
  }

  private assignSlot(id: number, slot: number, part: 'kv' | 'state'): void {
    if (part === 'state') {
      // Recurrent state slots index a fixed per-request state pool: ownership is all there is to enact.
      for (const [owner, s] of this.stateSlots) if (s === slot) throw new EnactmentError(`state slot ${slot} given to ${id} is held by ${owner}`);
      this.stateSlots.set(id, slot);
      return;
    }
    if (slot < 0 || slot >= this.kvSlotOwner.length) throw new EnactmentError(`kv slot ${slot} for request ${id} is outside the ${this.kvSlotOwner.length} slots the device was sized for`);
    if (this.kvSlotOwner[slot] !== -1) throw new EnactmentError(`kv slot ${slot} given to ${id} is held by ${this.kvSlotOwner[slot]}`);
    if (this.kvSlotOf.has(id)) throw new EnactmentError(`request ${id} already holds kv slot ${this.kvSlotOf.get(id)}`);
    this.kvSlotOwner[slot] = id;
    this.kvSlotOf.set(id, slot);
    if (this.pool) this.rowsUsed = Math.max(this.rowsUsed, slot + 1);
  }

  private freeSlot(id: number, slot: number, part: 'kv' | 'state'): void {
    if (part === 'state') {
      if (this.stateSlots.get(id) !== slot) throw new EnactmentError(`freeSlot(state ${slot}) by ${id}, which holds ${this.stateSlots.get(id)}`);
      this.stateSlots.delete(id);
      return;
    }
    if (this.kvSlotOwner[slot] !== id) throw new EnactmentError(`freeSlot(kv ${slot}) by ${id}, held by ${this.kvSlotOwner[slot]}`);
    if (this.pool && this.rowBlocks[slot].length > 0) {
      // Blocks still shared with other requests (prefix caching): this request lets go of them.
      for (const b of this.rowBlocks[slot]) {
        if (this.blockRefs[b] < 2) throw new EnactmentError(`freeSlot(kv ${slot}) while request ${id} still holds block ${b}, which no other request shares`);
        this.blockRefs[b]--;
      }
      const width = this.pool.options.maxBlocksPerSeq;
      this.table.fill(-1, slot * width, (slot + 1) * width);
      this.rowBlocks[slot] = [];
      this.tableDirty = true;
    }
    this.kvSlotOwner[slot] = -1;
    this.kvSlotOf.delete(id);
    // Pages stay mapped: with deferred reclamation the next request in this slot reuses them.
  }

  private assignBlocks(id: number, blockIds: readonly number[]): number {
    const pool = this.pool;
    if (!pool) throw new EnactmentError('assignBlocks needs a BlockPool but the enactor has none');
    const row = this.kvSlotOf.get(id);
    if (row === undefined) throw new EnactmentError(`assignBlocks for request ${id}, which holds no kv slot`);
    const list = this.rowBlocks[row];
    const width = pool.options.maxBlocksPerSeq;
    for (const b of blockIds) {
      if (!Number.isInteger(b) || b < 0 || b >= this.blockRefs.length) throw new EnactmentError(`block ${b} is outside the pool of ${this.blockRefs.length}`);
      if (this.blockRefs[b] !== 0) throw new EnactmentError(`block ${b} given to ${id} is held by ${this.blockRefs[b]} request(s)`);
      if (list.length >= width) throw new EnactmentError(`request ${id} exceeds maxBlocksPerSeq=${width}`);
      this.blockRefs[b] = 1;
      this.table[row * width + list.length] = b;
      list.push(b);
    }
    this.assigned += blockIds.length;
    this.tableDirty = true;
    return blockIds.length;
  }

  /**
   * Prefix caching: the request's block table continues with blocks that already hold its prefix's
   * K/V (cached blocks keep their content on the device until reassigned), so its prefill runs over
   * the uncached suffix only and attention reads the shared blocks.
   */
  private shareBlocks(id: number, blockIds: readonly number[]): void {
    const pool = this.pool;
    if (!pool) throw new EnactmentError('shareBlocks needs a BlockPool but the enactor has none');
    const row = this.kvSlotOf.get(id);
    if (row === undefined) throw new EnactmentError(`shareBlocks for request ${id}, which holds no kv slot`);
    const list = this.rowBlocks[row];
    const width = pool.options.maxBlocksPerSeq;
    for (const b of blockIds) {
      if (!Number.isInteger(b) || b < 0 || b >= this.blockRefs.length) throw new EnactmentError(`block ${b} is outside the pool of ${this.blockRefs.length}`);
      if (list.length >= width) throw new EnactmentError(`request ${id} exceeds maxBlocksPerSeq=${width}`);
      if (this.blockRefs[b] === 0) this.assigned++;
      this.blockRefs[b]++;
      this.table[row * width + list.length] = b;
      list.push(b);
    }
    this.tableDirty = true;
  }

  private freeBlocks(id: number, blockIds: readonly number[]): number {
    const pool = this.pool;
    if (!pool) throw new EnactmentError('freeBlocks needs a BlockPool but the enactor has none');
    const row = this.kvSlotOf.get(id);
    if (row === undefined) throw new EnactmentError(`freeBlocks for request ${id}, which holds no kv slot`);
    const held = new Set(this.rowBlocks[row]);
    for (const b of blockIds) {
      if (!held.has(b) || this.blockRefs[b] !== 1) throw new EnactmentError(`freeBlocks: block ${b} is not held by ${id} alone (${this.blockRefs[b]} holders)`);
      this.blockRefs[b] = 0;
    }
    const gone = new Set(blockIds);
    const kept = this.rowBlocks[row].filter((b) => !gone.has(b));
    this.rowBlocks[row] = kept;
    const width = pool.options.maxBlocksPerSeq;
    this.table.fill(-1, row * width, (row + 1) * width);
    this.table.set(kept, row * width);
    this.assigned -= blockIds.length;
    this.tableDirty = true;
    return blockIds.length;
  }
}
