import { afterEach, describe, expect, it, vi } from 'vitest';
import { runKvsim } from './runKvsim.js';
import { gpuAvailability } from '../../src/gpu/gpuAvailability.js';

const kvsim = (args: string[]) => runKvsim(args);

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
