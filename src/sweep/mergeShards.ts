import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { writeDuckDb } from './duckdbStore.js';
import { readManifest, writeManifest, type SweepManifest } from './SweepManifest.js';
import type { SweepRow } from './SweepRow.js';
import { RESULTS_JSONL, writeResults } from './writeResults.js';

const fail = (message: string) => new UserError('SWEEP_MERGE', message);

/**
 * Merges the output directories of a sharded sweep into `outDir`: checks that they are the shards
 * 0..N-1 of one sweep (same plan hash), each complete, and that every run id of the sweep is present
 * exactly once; then writes the rows in sweep order (shard i holds runs i, i+N, ...), so the merged
 * results.jsonl and results.csv equal those of the same sweep run in one process, byte for byte.
 */
export async function mergeShards(dirs: readonly string[], outDir: string, duckdb = true): Promise<{ runs: number; duckdb: boolean }> {
  if (dirs.length === 0) throw fail('Expected shard directories to merge but received none');
  const shards = dirs.map((dir) => ({ dir, m: readManifest(dir) }));
  const first = shards[0].m;
  const count = first.shard.count;
  const byIndex = new Array<{ dir: string; m: SweepManifest; rows: SweepRow[] } | undefined>(count);
  for (const { dir, m } of shards) {
    if (m.planHash !== first.planHash || m.shard.count !== count) throw fail(`${dir} is a shard of another sweep than ${shards[0].dir} (plan ${m.planHash.slice(0, 12)} of ${m.shard.count} shards vs ${first.planHash.slice(0, 12)} of ${count})`);
    if (byIndex[m.shard.index]) throw fail(`${dir} and ${byIndex[m.shard.index]!.dir} are both shard ${m.shard.index}/${count}`);
    if (!m.complete) throw fail(`${dir} (shard ${m.shard.index}/${count}) is not complete: rerun its \`kvsim sweep --shard ${m.shard.index}/${count}\``);
    const path = join(dir, RESULTS_JSONL);
    if (!existsSync(path)) throw fail(`${path} is missing`);
    const rows = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as SweepRow);
    const ids = rows.map((r) => String(r.id));
    if (ids.length !== m.runIds.length || ids.some((id, i) => id !== m.runIds[i])) throw fail(`${path} does not hold the runs its manifest lists (${ids.length} rows, ${m.runIds.length} runs)`);
    byIndex[m.shard.index] = { dir, m, rows };
  }
  const missing = [...byIndex.keys()].filter((i) => !byIndex[i]);
  if (missing.length > 0) throw fail(`shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing from the directories given`);
  const merged: SweepRow[] = [];
  const seen = new Set<string>();
  for (let k = 0; k < first.planCount; k++) {
    const row = byIndex[k % count]!.rows[Math.floor(k / count)];
    if (row === undefined) throw fail(`run ${k} of ${first.planCount} is in no shard`);
    const id = String(row.id);
    if (seen.has(id)) throw fail(`run ${id} appears more than once`);
    seen.add(id);
    merged.push(row);
  }
  const total = byIndex.reduce((n, s) => n + s!.rows.length, 0);
  if (total !== first.planCount) throw fail(`the shards hold ${total} rows for a sweep of ${first.planCount} runs`);
  mkdirSync(outDir, { recursive: true });
  writeResults(outDir, merged);
  const wroteDb = duckdb ? await writeDuckDb(outDir) : false;
  writeManifest(outDir, { ...first, shard: { index: 0, count: 1 }, runIds: merged.map((r) => String(r.id)), complete: true, failed: 0, mergedFrom: byIndex.map((s) => s!.dir) });
  return { runs: merged.length, duckdb: wroteDb };
}
