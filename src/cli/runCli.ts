import yargs, { type Argv, type CommandModule } from 'yargs';
import { KvsimError, UserError } from '../errors.js';
import { checkMissingValues, checkRepeated } from './missingValues.js';
import { skipHelpRendering } from './skipHelpRendering.js';
import { usageMessage } from './usageMessage.js';

/**
 * Runs the CLI. Exit codes: 0 ok, 2 the user's to fix (bad option, bad file, an output that cannot be
 * written: one line on stderr naming it), 1 an internal error (a bug: one line saying where to report
 * it; the stack only with --debug).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function runCli(argv: string[], commands: CommandModule<any, any>[]): Promise<void> {
  const debug = argv.includes('--debug') || process.env.KVSIM_DEBUG === '1';
  let parser: Argv = yargs(argv)
    .scriptName('kvsim')
    .usage('$0 <command> [options]\n\nCompare GPU memory policies for LLM serving on a request trace.')
    .strict()
    .demandCommand(1, 'Name a command; `kvsim --help` lists them.')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .option('debug', { type: 'boolean', global: true, hidden: true, describe: 'print the stack of an internal error' })
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .middleware((args) => {
      // Runs once the command is known: its options decide which flags must carry a value.
      checkMissingValues(argv, args as Record<string, unknown>, valueFlags(parser));
      checkRepeated(args as Record<string, unknown>, singleValued(parser));
    })
    .fail((msg, err) => {
      if (err) throw err;
      throw new UserError('USAGE', usageMessage(msg ?? 'invalid command line', argv, knownFlags(parser)));
    });
  for (const command of commands) parser = parser.command(command);
  skipHelpRendering(parser);
  try {
    await parser.parseAsync();
  } catch (err) {
    process.exitCode = reportError(err, debug);
  }
}

interface YargsOptions {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
  string: string[];
  number: string[];
  boolean: string[];
  array: string[];
}

function optionsOf(parser: Argv): YargsOptions | undefined {
  const get = (parser as unknown as { getOptions?: () => YargsOptions }).getOptions;
  return typeof get === 'function' ? get.call(parser) : undefined;
}

/** The current command's flags that take a value (string or number options), with their aliases. */
function valueFlags(parser: Argv): Set<string> {
  const o = optionsOf(parser);
  const flags = new Set<string>();
  if (!o) return flags;
  const booleans = new Set(o.boolean);
  for (const k of [...o.string, ...o.number]) {
    if (booleans.has(k)) continue;
    flags.add(k);
    for (const a of o.alias[k] ?? []) flags.add(a);
  }
  for (const [k, aliases] of Object.entries(o.alias)) if (flags.has(k)) for (const a of aliases) flags.add(a);
  return flags;
}

/** The current command's options that take one value (not declared as arrays). */
function singleValued(parser: Argv): Set<string> {
  const o = optionsOf(parser);
  if (!o) return new Set();
  const arrays = new Set(o.array);
  return new Set([...o.string, ...o.number, ...o.boolean].filter((k) => !arrays.has(k) && k !== 'help' && k !== 'version' && k !== '_' && !/[A-Z]/.test(k)));
}

/** Every flag the current command accepts (kebab-case names and aliases), for "did you mean". */
function knownFlags(parser: Argv): string[] {
  const o = optionsOf(parser);
  if (!o) return [];
  const names = new Set<string>();
  for (const k of Object.keys(o.key)) names.add(k);
  for (const [k, aliases] of Object.entries(o.alias)) {
    names.add(k);
    for (const a of aliases) names.add(a);
  }
  return [...names].filter((n) => !/[A-Z]/.test(n) && n !== '$0');
}

/** Where a user reports an internal error. */
export const REPORT_BUGS_TO = 'the kvsim issue tracker, with the command line and input that caused it';

/** Prints an error the way its kind deserves and returns the exit code. */
export function reportError(err: unknown, debug = false): number {
  if (err instanceof UserError) {
    // Offline, a registry name cannot be fetched: say what works without the network.
    const unreachable = err.code === 'TRACE_FETCH' && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ENETUNREACH|ETIMEDOUT|fetch failed/.test(err.message);
    const offline = err.code === 'TRACE_NOT_CACHED' || unreachable ? '; offline, set KVSIM_TRACE_DIR to a directory holding the trace file, or pass the file\'s path as --trace' : '';
    process.stderr.write(`kvsim: ${oneLine(err.message)}${offline}\n`);
    if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
    return 2;
  }
  const sys = err as (NodeJS.ErrnoException & { dest?: string }) | undefined;
  if (sys && typeof sys === 'object' && typeof sys.code === 'string' && typeof sys.syscall === 'string') {
    // A file-system refusal (a cache path that is a file, a full disk) is the environment's, not a bug.
    const where = sys.path ? ` ${sys.path}${sys.dest ? ` -> ${sys.dest}` : ''}` : '';
    process.stderr.write(`kvsim: cannot ${sys.syscall}${where}: ${sys.code}${debug && sys.stack ? `\n${sys.stack}` : ''}\n`);
    return 2;
  }
  const code = err instanceof KvsimError ? ` ${err.code}` : '';
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`kvsim: internal error${code}: ${oneLine(message)} (a bug: please report it to ${REPORT_BUGS_TO}; add --debug for the stack)\n`);
  if (debug) process.stderr.write(`${err instanceof Error ? (err.stack ?? message) : message}\n`);
  return 1;
}

/** One line (line breaks folded into "; "), at most 1000 characters: a message never floods the terminal. */
function oneLine(text: string): string {
  const flat = String(text).replace(/\s*\n\s*/g, '; ').trim();
  return flat.length > 1000 ? `${flat.slice(0, 997)}...` : flat;
}
