import yargs, { type CommandModule } from 'yargs';
import { KvsimError, UserError } from '../errors.js';

/**
 * Runs the CLI. Exit codes: 0 ok, 2 user error (bad option, bad file: one line on stderr),
 * 1 internal error (a bug: the stack is printed).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function runCli(argv: string[], commands: CommandModule<any, any>[]): Promise<void> {
  let parser = yargs(argv)
    .scriptName('kvsim')
    .usage('$0 <command> [options]\n\nCompare GPU memory policies for LLM serving on a request trace.')
    .strict()
    .demandCommand(1, 'Name a command; `kvsim --help` lists them.')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UserError('USAGE', msg);
    });
  for (const command of commands) parser = parser.command(command);
  // yargs renders the whole help text after every command, in case a later failure prints it; ours
  // never does (fail() throws a one-line UserError), and the rendering costs ~7% of a replay's CPU.
  const internals = parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usage = internals.getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
  try {
    await parser.parseAsync();
  } catch (err) {
    process.exitCode = reportError(err);
  }
}

/** Prints an error the way its kind deserves and returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof UserError) {
    process.stderr.write(`kvsim: ${err.message}\n`);
    return 2;
  }
  if (err instanceof KvsimError) {
    process.stderr.write(`kvsim: internal error ${err.code}: ${err.stack ?? err.message}\n`);
    return 1;
  }
  process.stderr.write(`kvsim: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}
