import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { kvsimVersion } from '../sim/engine/kvsimVersion.js';
import { writeDuckDb } from './duckdbStore.js';
import { executeRun } from './executeRun.js';
import { expandSweepFile, type ExpandedSweep } from './expandSweep.js';
import { Journal, readJournal } from './journal.js';
import { SweepProgress } from './progress.js';
import { inShard, type Shard } from './shard.js';
import { planHash, writeManifest } from './SweepManifest.js';
import type { SweepRun } from './SweepRun.js';
import type { SweepRow } from './SweepRow.js';
import { runOnPool, type RunOutcome } from './WorkerPool.js';
import { ordered, writeResults } from './writeResults.js';

export const JOURNAL = 'journal.jsonl';

/** Options of {@link runSweep}. */
export interface SweepOptions {
  /** Output directory (created). */
  outDir: string;
  /**
   * Worker threads; 1 runs in this thread.
   * @defaultValue os.availableParallelism()
   */
  jobs?: number;
  /** @defaultValue the whole sweep (0/1) */
  shard?: Shard;
  /** @defaultValue whether stderr is a terminal */
  tty?: boolean;
  /** Progress and failure lines. @defaultValue stderr */
  log?: (text: string) => void;
  /** Worker entry (tests). @defaultValue the compiled sweepWorker.js */
  workerUrl?: URL;
  /** Also load the results into DIR/runs.duckdb. @defaultValue true */
  duckdb?: boolean;
}

/** What a sweep did. */
export interface SweepOutcome {
  expanded: ExpandedSweep;
  /** This shard's runs. */
  planned: number;
  /** Found finished in the journal and not redone. */
  resumed: number;
  ran: number;
  failed: number;
  /** Whether DIR/runs.duckdb was written. */
  duckdb: boolean;
}

/**
 * Runs a sweep spec (or this process's shard of it) into `outDir`: every finished run's row is appended
 * to journal.jsonl and fsynced at once, so an interrupted sweep rerun with the same directory skips the
 * runs already there (rows of another kvsim version are redone); once all are in, results.jsonl,
 * results.csv (sweep order) and runs.duckdb are written and the manifest marked complete.
 */
export async function runSweep(specPath: string, o: SweepOptions): Promise<SweepOutcome> {
  const { spec, expanded } = expandSweepFile(specPath);
  const shard = o.shard ?? { index: 0, count: 1 };
  const mine = expanded.runs.filter((r) => inShard(r.index, shard));
  const log = o.log ?? ((s: string) => process.stderr.write(s));
  mkdirSync(o.outDir, { recursive: true });
  const version = kvsimVersion();
  const manifest = { schema: 'kvsim.sweep/1' as const, name: spec.name, kvsimVersion: version, planCount: expanded.runs.length, planHash: planHash(expanded.runs), shard, runIds: mine.map((r) => r.id), complete: false, failed: 0 };
  writeManifest(o.outDir, manifest);

  const wanted = new Set(mine.map((r) => r.id));
  const done = new Map<string, SweepRow>();
  for (const row of readJournal(join(o.outDir, JOURNAL))) {
    if (wanted.has(String(row.id)) && row.kvsim_version === version) done.set(String(row.id), row);
  }
  const resumed = done.size;
  const todo = mine.filter((r) => !done.has(r.id));
  const progress = new SweepProgress(todo.length, o.tty ?? process.stderr.isTTY === true, log);
  const journal = new Journal(join(o.outDir, JOURNAL));
  let ran = 0;
  let failed = 0;
  const onDone = (out: RunOutcome) => {
    if ('row' in out) {
      const row = ordered(out.row);
      journal.append(row);
      done.set(out.run.id, row);
    } else {
      failed++;
      log(`kvsim sweep: run ${out.run.id} (${describe(out.run)}) failed: ${out.error.message}\n`);
    }
    ran++;
    progress.update(ran, failed);
  };
  try {
    const jobs = Math.max(1, Math.min(o.jobs ?? availableParallelism(), todo.length));
    if (todo.length > 0 && resumed > 0) log(`kvsim sweep: resuming, ${resumed} of ${mine.length} runs already in ${join(o.outDir, JOURNAL)}\n`);
    if (jobs <= 1) {
      for (const run of todo) {
        let outcome: RunOutcome;
        try {
          outcome = { run, row: await executeRun(run) };
        } catch (err) {
          outcome = { run, error: { message: (err as Error).message } };
        }
        onDone(outcome);
      }
    } else {
      await runOnPool(todo, jobs, onDone, o.workerUrl);
    }
  } finally {
    journal.close();
  }
  const rows = mine.filter((r) => done.has(r.id)).map((r) => done.get(r.id)!);
  writeResults(o.outDir, rows);
  const duckdb = o.duckdb === false ? false : await writeDuckDb(o.outDir);
  writeManifest(o.outDir, { ...manifest, complete: rows.length === mine.length, failed });
  return { expanded, planned: mine.length, resumed, ran, failed, duckdb };
}

/** `llama-3-8b paged vllm rate=4 seed=1`: the options that usually vary, for failure lines. */
function describe(run: SweepRun): string {
  const o = run.options;
  const extra = ['rate', 'seed', 'block-size', 'page-size'].filter((k) => o[k] !== null).map((k) => `${k}=${o[k]}`);
  return [o.model, o.gpu, o.policy, o.scheduler, ...extra, run.slo ? `slo=${run.slo.name}` : ''].filter((s) => s !== '').join(' ');
}
