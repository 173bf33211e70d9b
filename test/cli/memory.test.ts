import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryCommand } from '../../src/cli/memory.js';
import { parseSize } from '../../src/cli/parseArgs.js';
import { runKvsim } from './runKvsim.js';
import type { MemoryTable } from '../../src/sim/memory/memoryTable.js';

/** Runs `kvsim ARGS` in-process with this file's commands. */
const kvsim = (args: string[]) => runKvsim(args, [memoryCommand]);

afterEach(() => vi.restoreAllMocks());

describe('kvsim memory', () => {
  it('prints a row per policy and page/block size with one column per context', async () => {
    const { out, code } = await kvsim(['memory', '--model', 'llama-3-8b', '--gpu', 'h100', '--context', '1024,4096']);
    expect(code).toBe(0);
    for (const label of ['static(max=8192)', 'paged(block=16)', 'paged(block=32)', 'vattention(page=64KiB)', 'vattention(page=2MiB)']) {
      expect(out).toContain(label);
    }
    expect(out).toContain('max req @1024');
    expect(out).toContain('max req @4096');
    // Llama-3-8B TP1: a 2 MiB page group is 1024 tokens = 64 pages of 2 MiB = 128 MiB.
    expect(out).toMatch(/vattention\(page=2MiB\).*1024 tok = 128 MiB/);
  });

  it('--json gives the table, and the capacities agree with the arithmetic', async () => {
    const { out, code } = await kvsim(['memory', '--model', 'llama-3-8b', '--context', '1024', '--json']);
    expect(code).toBe(0);
    const t = JSON.parse(out) as MemoryTable;
    expect(t.contextsTokens).toEqual([1024]);
    const paged16 = t.rows.find((r) => r.label === 'paged(block=16)')!;
    const blocks = Math.floor(t.budgetBytes / (16 * 131072));
    // 64 blocks per request, 1% of blocks held back at admission.
    expect(paged16.maxRequests[0]).toBe(Math.floor((blocks - Math.floor(0.01 * blocks)) / 64));
    const v2m = t.rows.find((r) => r.label === 'vattention(page=2MiB)')!;
    // vAttention: whole 2 MiB pages rounded to a multiple of 2L = 64 (utils.h get_num_phys_blocks), one
    // 64-page group per request, 1% of groups held back at admission (sarathi-lean can_allocate).
    const groups = Math.floor(Math.floor(t.budgetBytes / 2 ** 21) / 64);
    expect(v2m.maxRequests[0]).toBe(groups - Math.floor(0.01 * groups));
  });

  it('shows the recurrent state for xLSTM-7B, the same capacity at every context', async () => {
    const { out } = await kvsim(['memory', '--model', 'xlstm-7b', '--context', '1000,100000', '--json']);
    const t = JSON.parse(out) as MemoryTable;
    expect(t.rows).toHaveLength(1);
    expect(t.rows[0].stateBytesPerRequest).toBe(134_480_896);
    expect(t.rows[0].maxRequests[0]).toBe(t.rows[0].maxRequests[1]);
    expect(t.rows[0].maxRequests[0]).toBe(Math.floor(t.budgetBytes / 134_480_896));
  });

  it('reports bad input in one line with exit code 2', async () => {
    const bad = await kvsim(['memory', '--model', 'llama-3-8b', '--context', '10,abc']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^kvsim: Expected positive integers for --context but received "abc"\n$/);
    const page = await kvsim(['memory', '--model', 'llama-3-8b', '--page-sizes', '96K']);
    expect(page.code).toBe(2);
    expect(page.err).toContain('pageSizes[0]');
    const fit = await kvsim(['memory', '--model', 'llama-3-70b', '--gpu', 'h100']);
    expect(fit.code).toBe(2);
    expect(fit.err).toContain('does not fit');
  });

  it('parses binary size suffixes', () => {
    expect(parseSize('64K', 'x')).toBe(65536);
    expect(parseSize('2MiB', 'x')).toBe(2 * 2 ** 20);
    expect(parseSize('4096', 'x')).toBe(4096);
    expect(() => parseSize('2MB!', 'x')).toThrow(/sizes like/);
  });
});
