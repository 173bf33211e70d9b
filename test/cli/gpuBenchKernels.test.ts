import { afterEach, describe, expect, it, vi } from 'vitest';
import { gpuCommand } from '../../src/cli/gpu.js';
import { runKvsim } from './runKvsim.js';
import { gpuAvailability } from '../../src/gpu/gpuAvailability.js';

/** Runs `kvsim ARGS` in-process with this file's commands. */
const kvsim = (args: string[]) => runKvsim(args, [gpuCommand]);

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
