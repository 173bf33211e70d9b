import { vi } from 'vitest';
import { genCommand } from '../../src/cli/gen.js';
import { runCli } from '../../src/cli/runCli.js';
import { traceCommand } from '../../src/cli/trace.js';

/** Runs `kvsim ARGS` in-process with the trace and gen commands; returns stdout, stderr and the exit code. */
export async function kvsim(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await runCli(args, [traceCommand, genCommand]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { out, err, code };
}
