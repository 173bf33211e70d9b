import { afterEach, describe, expect, it, vi } from 'vitest';
import { gpuCommand } from '../../src/cli/gpu.js';
import { runKvsim } from './runKvsim.js';
import { gpuAvailability } from '../../src/gpu/gpuAvailability.js';

/** Runs `kvsim ARGS` in-process with this file's commands. */
const kvsim = (args: string[]) => runKvsim(args, [gpuCommand]);

afterEach(() => vi.restoreAllMocks());

const available = gpuAvailability(0).ok;

describe('kvsim gpu info', () => {
  it.skipIf(available)('without a GPU: one line on stderr saying what is missing and how to fix it, exit 2', async () => {
    const { out, err, code } = await kvsim(['gpu', 'info']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^kvsim: GPU backend unavailable: .+\. Fix: .+/);
  });

  it.skipIf(available)('without a GPU, --json: {ok:false, reason, fix} on stdout, exit 2', async () => {
    const { out, code } = await kvsim(['gpu', 'info', '--json']);
    expect(code).toBe(2);
    const j = JSON.parse(out) as { ok: boolean; reason: string; fix: string; stage: string };
    expect(j.ok).toBe(false);
    expect(j.reason.length).toBeGreaterThan(0);
    expect(j.fix.length).toBeGreaterThan(0);
  });

  it.skipIf(!available)('with a GPU: name, memory, SMs, versions and VMM granularity, exit 0', async () => {
    const { out, code } = await kvsim(['gpu', 'info']);
    expect(code).toBe(0);
    expect(out).toMatch(/SMs/);
    expect(out).toMatch(/granularity \d+ MiB/);
    expect(out).toMatch(/driver: CUDA \d+\.\d+/);
  });

  it('rejects a bad --device with a one-line error, exit 2', async () => {
    const { err, code } = await kvsim(['gpu', 'info', '--device', '-1']);
    expect(code).toBe(2);
    expect(err).toMatch(/--device/);
  });
});

describe('kvsim gpu bench vmm', () => {
  it('rejects odd page sizes before touching the GPU', async () => {
    const { err, code } = await kvsim(['gpu', 'bench', 'vmm', '--page-sizes', '2,3']);
    expect(code).toBe(2);
    expect(err).toMatch(/--page-sizes/);
  });

  it.skipIf(available)('without a GPU: the same one-line reason, exit 2', async () => {
    const { err, code } = await kvsim(['gpu', 'bench', 'vmm']);
    expect(code).toBe(2);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toMatch(/GPU backend unavailable/);
  });
});
