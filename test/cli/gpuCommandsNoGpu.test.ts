import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { runCli } from '../../src/cli/runCli.js';
import { gpuAvailability } from '../../src/gpu/gpuAvailability.js';

/** Runs `kvsim ARGS` in-process with every command; returns stdout, stderr and the exit code. */
async function kvsim(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await runCli(args, COMMANDS);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { out, err, code };
}

afterEach(() => vi.restoreAllMocks());

const available = gpuAvailability(0).ok;

describe.skipIf(available)('GPU commands on a machine without a GPU', () => {
  for (const args of [['calibrate', '--model', 'llama-3-8b'], ['validate', '--first', '10'], ['replay', '--backend', 'gpu', '--model', 'llama-3-8b', '--policy', 'paged', '--count', '5']]) {
    it(`kvsim ${args.join(' ')}: one line saying what is missing and how to fix it, exit 2`, async () => {
      const { out, err, code } = await kvsim(args);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err.trimEnd().split('\n')).toHaveLength(1);
      expect(err).toMatch(/^kvsim: GPU backend unavailable: .+\. Fix: .+/);
    });
  }

  it('rejects an unknown backend before touching anything', async () => {
    const { err, code } = await kvsim(['replay', '--backend', 'tpu']);
    expect(code).toBe(2);
    expect(err).toMatch(/backend/);
  });
});
