import { existsSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KvsimError, UserError } from '../errors.js';
import { SWEEP_COLUMNS } from './SweepRow.js';
import { RESULTS_JSONL } from './writeResults.js';

export const RESULTS_DUCKDB = 'runs.duckdb';

type DuckDb = typeof import('@duckdb/node-api');

/** The DuckDB binding, loaded only when a store is written or queried (it is ~70 MB of native code). */
async function loadDuckDb(): Promise<DuckDb | undefined> {
  try {
    return await import('@duckdb/node-api');
  } catch {
    return undefined;
  }
}

/**
 * Loads DIR/results.jsonl into DIR/runs.duckdb, table `runs`, with the documented column types. Returns
 * false (the JSONL and CSV stay the results) where DuckDB's binding does not load on this platform.
 */
export async function writeDuckDb(dir: string): Promise<boolean> {
  const duck = await loadDuckDb();
  if (!duck) return false;
  const target = join(dir, RESULTS_DUCKDB);
  const tmp = `${target}.tmp`;
  rmSync(tmp, { force: true });
  rmSync(`${tmp}.wal`, { force: true });
  const instance = await duck.DuckDBInstance.create(tmp);
  try {
    const c = await instance.connect();
    const columns = SWEEP_COLUMNS.map((col) => `${col.name} ${col.type}`).join(', ');
    const struct = SWEEP_COLUMNS.map((col) => `${col.name}: '${col.type}'`).join(', ');
    await c.run(`CREATE TABLE runs (${columns})`);
    const file = resolve(dir, RESULTS_JSONL).replace(/'/g, "''");
    await c.run(`INSERT INTO runs SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = {${struct}})`);
    c.closeSync();
  } finally {
    instance.closeSync();
  }
  renameSync(tmp, target);
  return true;
}

/** Runs SQL on DIR/runs.duckdb (read-only) and returns the column names and rows as text. */
export async function queryDuckDb(dir: string, sql: string): Promise<{ columns: string[]; rows: string[][] }> {
  const path = join(dir, RESULTS_DUCKDB);
  if (!existsSync(path)) throw new UserError('SWEEP_QUERY', `${path} does not exist: run \`kvsim sweep SPEC --out ${dir}\` first`);
  const duck = await loadDuckDb();
  if (!duck) throw new KvsimError('SWEEP_QUERY', `DuckDB's binding does not load on this platform; read ${join(dir, RESULTS_JSONL)} or results.csv instead`);
  const instance = await duck.DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  try {
    const c = await instance.connect();
    let reader;
    try {
      reader = await c.runAndReadAll(sql);
    } catch (err) {
      throw new UserError('SWEEP_QUERY', `DuckDB rejected the query: ${(err as Error).message.split('\n')[0]}`);
    }
    const columns = reader.columnNames();
    const rows = reader.getRows().map((r) => r.map((v) => (v === null ? '' : typeof v === 'object' ? String(v) : String(v))));
    c.closeSync();
    return { columns, rows };
  } finally {
    instance.closeSync();
  }
}
