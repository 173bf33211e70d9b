import { afterEach, describe, expect, it, vi } from 'vitest';
import { gpuCommand } from '../../src/cli/gpu.js';
import { runCli } from '../../src/cli/runCli.js';
import { gpuAvailability } from '../../src/gpu/gpuAvailability.js';

/** Runs `kvsim ARGS` in-process; returns stdout, stderr and the exit code. */
async function kvsim(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await runCli(args, [gpuCommand]);
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

describe('kvsim gpu bench kernels', () => {
  it('refuses a bad option value before touching the GPU (exit 2, names the option)', async () => {
    const { err, code } = await kvsim(['gpu', 'bench', 'kernels', '--reps', '0']);
    expect(code).toBe(2);
    expect(err).toMatch(/--reps/);
  });

  it.skipIf(available)('without a GPU: one line on stderr saying what is missing, exit 2', async () => {
    const { out, err, code } = await kvsim(['gpu', 'bench', 'kernels']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toMatch(/GPU backend unavailable/);
  });
});
