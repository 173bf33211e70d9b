import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inShard, parseShard } from '../../src/sweep/shard.js';

describe('shards', () => {
  it('partition the runs: every run in exactly one shard, sizes within one of each other', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 40 }), (runs, count) => {
        const owners = [...Array(runs).keys()].map((k) => [...Array(count).keys()].filter((i) => inShard(k, { index: i, count })));
        expect(owners.every((o) => o.length === 1)).toBe(true);
        const sizes = [...Array(count).keys()].map((i) => owners.filter((o) => o[0] === i).length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
      { seed: 4, numRuns: 200 },
    );
  });

  it('are read from I/N or from the Slurm / Kubernetes array variables', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(parseShard('env', { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' })).toEqual({ index: 3, count: 4 });
    expect(parseShard('env', { JOB_COMPLETION_INDEX: '0', KVSIM_SHARDS: '3' })).toEqual({ index: 0, count: 3 });
    expect(() => parseShard('5/5')).toThrow('Expected I/N with 0 <= I < N, e.g. 0/4 for --shard but received "5/5"');
    expect(() => parseShard('env', {})).toThrow(/SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX/);
  });
});
