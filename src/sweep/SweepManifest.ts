import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { Shard } from './shard.js';
import type { SweepRun } from './SweepRun.js';
import { atomicWrite } from './writeResults.js';

export const MANIFEST = 'manifest.json';

/** What a sweep directory holds: which slice of which sweep, and whether it is finished. */
export interface SweepManifest {
  schema: 'kvsim.sweep/1';
  name: string;
  kvsimVersion: string;
  /** Runs of the whole sweep (all shards). */
  planCount: number;
  /** SHA-256 of the whole sweep's run ids in order: equal for the shards of one sweep. */
  planHash: string;
  shard: Shard;
  /** This directory's runs, in sweep order. */
  runIds: string[];
  /** Every run of `runIds` has its row in results.jsonl. */
  complete: boolean;
  failed: number;
  /** For a merge: the directories merged. */
  mergedFrom?: string[];
}

/** The hash that ties shards to one sweep. */
export function planHash(runs: readonly SweepRun[]): string {
  return createHash('sha256').update(runs.map((r) => r.id).join('\n')).digest('hex');
}

export function writeManifest(dir: string, m: SweepManifest): void {
  atomicWrite(join(dir, MANIFEST), `${JSON.stringify(m, null, 2)}\n`);
}

export function readManifest(dir: string): SweepManifest {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) throw new UserError('SWEEP_MERGE', `${path} is missing: is ${dir} a kvsim sweep output directory?`);
  const m = JSON.parse(readFileSync(path, 'utf8')) as SweepManifest;
  if (m.schema !== 'kvsim.sweep/1') throw new UserError('SWEEP_MERGE', `${path}: expected schema kvsim.sweep/1 but received ${JSON.stringify(m.schema)}`);
  return m;
}
