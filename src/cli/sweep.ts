import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { checkInt, expected, UserError } from '../errors.js';
import type { Shard } from '../sweep/shard.js';

interface SweepArgs {
  spec?: string;
  rest?: string[];
  out: string;
  jobs?: number;
  shard?: string;
  emit?: string;
  shards?: number;
  cpus?: number;
  image?: string;
  claim?: string;
  merge?: string[];
  query?: string;
  'dry-run'?: boolean;
}

/** `kvsim sweep`: a grid of replays (and SLO capacity searches) on every core, resumable, shardable, into DuckDB. */
export const sweepCommand: CommandModule<object, SweepArgs> = {
  command: 'sweep [spec] [rest..]',
  describe: 'Run a grid of replays and SLO capacity searches from a YAML/JSON spec on every core; results in DuckDB, CSV and JSONL',
  builder: (y) =>
    y
      .positional('spec', { type: 'string', describe: 'sweep spec (YAML or JSON); or `merge DIR...` / `query SQL`' })
      .positional('rest', { type: 'string', array: true, describe: 'directories for merge, the SQL for query' })
      .option('out', { type: 'string', default: 'sweep-out', describe: 'output directory: journal.jsonl, results.jsonl, results.csv, runs.duckdb, manifest.json' })
      .option('jobs', { type: 'number', describe: `worker threads (default: every core, ${availableParallelism()} here; 1 runs in the main thread)` })
      .option('shard', { type: 'string', describe: 'run only slice I/N (0 <= I < N) of the sweep, or `env` (Slurm array / Kubernetes Indexed Job variables)' })
      .option('emit', { type: 'string', describe: 'print a job file instead of running: slurm (sbatch array script) or k8s (Indexed Job)' })
      .option('shards', { type: 'number', default: 4, describe: 'with --emit: array tasks / completions' })
      .option('cpus', { type: 'number', default: 4, describe: 'with --emit: cores per task (passed on as --jobs)' })
      .option('image', { type: 'string', describe: 'with --emit k8s: container image with kvsim on its PATH (default kvsim:latest)' })
      .option('claim', { type: 'string', describe: 'with --emit k8s: PersistentVolumeClaim mounted at --out (default kvsim-results)' })
      .option('merge', { type: 'string', array: true, describe: 'merge these shard directories into --out (every run exactly once)' })
      .option('query', { type: 'string', describe: 'run SQL on --out/runs.duckdb (table runs) and print the rows' })
      .option('dry-run', { type: 'boolean', describe: 'print how the spec expands (runs, skipped, per shard) and run nothing' })
      .example('$0 sweep sweep.yaml --out results', 'every run on every core; rerun the same command to resume after Ctrl-C')
      .example('$0 sweep --query "SELECT policy, max(slo_max_rate_per_s) FROM runs WHERE kind = \'slo\' GROUP BY policy" --out results', 'capacity within the SLO per policy')
      .example('$0 sweep sweep.yaml --emit slurm --shards 8 --out /scratch/sweep > sweep.sbatch', 'a Slurm job array; then `$0 sweep --merge /scratch/sweep/shard-* --out /scratch/sweep/merged`'),
  handler: async (args) => {
    // Loaded here, not at the top: other commands should not pay for the YAML reader and the pool at start-up.
    const { readSweepSpec } = await import('../sweep/readSweepSpec.js');
    const { parseShard } = await import('../sweep/shard.js');
    const rest = args.rest ?? [];
    if (args.spec === 'merge' || args.merge !== undefined) return merge(args.spec === 'merge' ? rest : [...(args.spec ? [args.spec] : []), ...args.merge!, ...rest], args.out);
    if (args.spec === 'query' || args.query !== undefined) return query(args.query ?? rest.join(' '), args.out);
    if (args.spec === undefined) throw new UserError('USAGE', 'Expected a sweep spec file for kvsim sweep (or --merge DIR... / --query SQL)');
    if (rest.length > 0) throw expected('one spec file', 'kvsim sweep', [args.spec, ...rest].join(' '));
    if (args.emit !== undefined) {
      const shards = checkInt('--shards', args.shards, 1);
      const spec = readSweepSpec(args.spec);
      const { emitJob } = await import('../sweep/emitJob.js');
      process.stdout.write(emitJob(args.emit, { spec: args.spec, outDir: args.out, shards, cpus: checkInt('--cpus', args.cpus, 1), name: spec.name, image: args.image, claim: args.claim }));
      return;
    }
    const shard = args.shard === undefined ? undefined : parseShard(args.shard);
    const jobs = args.jobs === undefined ? undefined : checkInt('--jobs', args.jobs, 1);
    if (args['dry-run']) return dryRun(args.spec, shard);
    const onSigint = () => {
      process.stderr.write(`\nkvsim sweep: interrupted; finished runs are in ${join(args.out, 'journal.jsonl')}: rerun the same command to resume\n`);
      process.exit(130);
    };
    process.once('SIGINT', onSigint);
    try {
      const { runSweep } = await import('../sweep/runSweep.js');
      const r = await runSweep(args.spec, { outDir: args.out, jobs, shard });
      const e = r.expanded;
      const files = ['results.csv', 'results.jsonl', ...(r.duckdb ? ['runs.duckdb'] : [])].map((f) => join(args.out, f)).join(', ');
      const shardText = shard ? ` (shard ${shard.index}/${shard.count} of ${e.runs.length})` : '';
      process.stdout.write(`sweep ${readSweepSpec(args.spec).name}: ${r.planned} runs${shardText}: ${r.resumed} resumed, ${r.ran - r.failed} ran, ${r.failed} failed -> ${files}\n`);
      if (e.skipped > 0) process.stdout.write(`skipped ${e.skipped} grid points whose policy does not apply to their model (e.g. ${e.skipReason})\n`);
      if (e.duplicates > 0) process.stdout.write(`${e.duplicates} grid points resolved to a run already listed (an option their policy or scheduler ignores) and ran once\n`);
      if (!r.duckdb) process.stdout.write('DuckDB did not load on this platform: results are in the CSV and JSONL only\n');
      if (r.failed > 0) process.exitCode = 1;
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
  },
};

async function dryRun(specPath: string, shard: Shard | undefined): Promise<void> {
  const { expandSweepFile } = await import('../sweep/expandSweep.js');
  const { inShard } = await import('../sweep/shard.js');
  const e = expandSweepFile(specPath).expanded;
  const mine = shard ? e.runs.filter((r) => inShard(r.index, shard)).length : e.runs.length;
  const kinds = `${e.runs.filter((r) => r.kind === 'run').length} replays, ${e.runs.filter((r) => r.kind === 'slo').length} SLO searches`;
  process.stdout.write(`${e.runs.length} runs (${kinds}); ${e.skipped} grid points skipped (policy does not apply), ${e.duplicates} duplicates merged${shard ? `; shard ${shard.index}/${shard.count}: ${mine} runs` : ''}\n`);
}

async function merge(dirs: string[], out: string): Promise<void> {
  const { mergeShards } = await import('../sweep/mergeShards.js');
  const r = await mergeShards(dirs, out);
  process.stdout.write(`merged ${dirs.length} shards: ${r.runs} runs, each exactly once -> ${join(out, 'results.csv')}${r.duckdb ? `, ${join(out, 'runs.duckdb')}` : ''}\n`);
}

async function query(sql: string, out: string): Promise<void> {
  if (sql.trim() === '') throw expected('an SQL statement', '--query', sql);
  const { queryDuckDb } = await import('../sweep/duckdbStore.js');
  const { columns, rows } = await queryDuckDb(out, sql);
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  process.stdout.write([line(columns), ...rows.map(line)].join('\n') + '\n');
}
