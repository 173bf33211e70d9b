import type { CommandModule } from 'yargs';
import { vi } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { runCli } from '../../src/cli/runCli.js';

/** Runs `kvsim ARGS` in-process with the given commands (default: all); returns stdout, stderr and the exit code. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function runKvsim(args: string[], commands: CommandModule<any, any>[] = COMMANDS): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await runCli(args, commands);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { out, err, code };
}
