import type { Argv } from 'yargs';

/**
 * yargs renders the whole help text of a command every time its handler starts (command.js,
 * handleValidationAndGetResult -> usage.cacheHelpMessage), in case a later failure prints it; kvsim's
 * never does (runCli's fail() throws a one-line UserError). Rendering replay's help costs ~35-65 ms per
 * run: measured 2026-12-06 on the 2-core CI box, `kvsim replay --trace synthetic:conv:count=200 --model
 * llama-3-8b --policy paged`, 11 interleaved runs each: 372 vs 444 ms CPU (median) with and without
 * this skip; default `kvsim replay`: 997 vs 1090 ms. No public yargs option turns it off, so this
 * reaches one internal method; when yargs no longer has it, nothing is skipped (slower, not wrong) and
 * test/cli/skipHelpRendering.test.ts fails so the next yargs upgrade notices.
 * @returns whether the rendering is skipped.
 */
export function skipHelpRendering(parser: Argv): boolean {
  const internals = parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usage = internals.getInternalMethods?.().getUsageInstance?.();
  if (!usage || typeof usage.cacheHelpMessage !== 'function') return false;
  usage.cacheHelpMessage = () => {};
  return true;
}
