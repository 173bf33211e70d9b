import type { CommandModule } from 'yargs';
import { checkOutputDir } from '../io/checkOutputPath.js';
import { fetchTrace, type FetchTraceResult } from '../sim/trace/fetchTrace.js';
import { traceCacheDir } from '../sim/trace/registry.js';

interface TraceFetchArgs {
  names: string[];
  'base-url'?: string;
  force: boolean;
  json: boolean;
}

/** `kvsim trace fetch NAME...`: download registry traces into the cache, verified. */
export const traceFetchCommand: CommandModule<object, TraceFetchArgs> = {
  command: 'fetch <names..>',
  describe: 'Download public traces by name into the cache ($KVSIM_CACHE, default ~/.cache/kvsim), checking their sha256',
  builder: (y) =>
    y
      .positional('names', { type: 'string', array: true, demandOption: true, describe: 'registry names: azure-conv-2023, azure-code-2023' })
      .option('base-url', { type: 'string', describe: 'download <base-url>/<file> instead of the registry URL (default $KVSIM_TRACE_BASE_URL)' })
      .option('force', { type: 'boolean', default: false, describe: 'download again even if a verified copy is cached' })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON object per trace' })
      .example('$0 trace fetch azure-conv-2023', 'download the Azure conversation trace (0.7 MB)'),
  handler: async (args) => {
    // A cache path that is a file (KVSIM_CACHE=/some/file) is one line, before any download.
    checkOutputDir(traceCacheDir(), process.env.KVSIM_CACHE ? `the trace cache ($KVSIM_CACHE=${process.env.KVSIM_CACHE})` : 'the trace cache');
    for (const name of args.names) {
      const result = await fetchTrace(name, { baseUrl: args['base-url'], force: args.force, onProgress: progressBar(name) });
      process.stdout.write(args.json ? `${JSON.stringify(result)}\n` : `${describe(result)}\n`);
    }
  },
};

function describe(r: FetchTraceResult): string {
  const what = r.alreadyCached ? 'already cached, sha256 verified' : `downloaded ${r.sizeBytes.toLocaleString('en-US')} bytes from ${r.url}, sha256 verified`;
  return `${r.name}: ${r.path} (${what})`;
}

/** A one-line progress bar on stderr, only on a terminal and only once a download has run for a second. */
function progressBar(name: string): ((received: number, total: number | undefined) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const start = Date.now();
  let last = 0;
  return (received, total) => {
    const now = Date.now();
    const done = total !== undefined && received >= total;
    // The final update always goes through once a bar is on screen, so its line gets ended.
    if (done ? last === 0 : now - start < 1000 || now - last < 100) return;
    last = now;
    const pct = total ? Math.min(100, Math.floor((100 * received) / total)) : undefined;
    const bar = pct === undefined ? '' : `[${'#'.repeat(Math.floor(pct / 5)).padEnd(20)}] ${pct}% `;
    process.stderr.write(`\r${name} ${bar}${(received / 1e6).toFixed(1)} MB${done ? '\n' : ''}`);
  };
}
