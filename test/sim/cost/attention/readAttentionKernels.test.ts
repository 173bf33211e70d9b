import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAttentionKernels } from '../../../../src/sim/cost/attention/readAttentionKernels.js';

const FIXTURE = resolve('test/sim/cost/fixtures/timings-llama.csv');
const dir = mkdtempSync(join(tmpdir(), 'kvsim-attn-'));

describe('readAttentionKernels: the bring-your-own timings format', () => {
  it('reads the CSV form into one full grid per (kind, layout, block size), with its provenance', () => {
    const p = readAttentionKernels(FIXTURE);
    expect(p.name).toBe('fixture-kernel');
    expect(p.provenance).toEqual({ kind: 'measured', card: 'fixture card (not a measurement)', driver: '0', date: '2026-01-01', command: 'hand-written test fixture' });
    expect(p.shape).toEqual({ numQHeads: 32, numKvHeads: 8, headDim: 128, dtype: 'bf16' });
    expect(p.tables!.map((t) => `${t.kind} ${t.layout} ${t.blockSize ?? '-'}`)).toEqual(['decode contiguous -', 'decode paged 32', 'prefill contiguous -']);
    expect(p.tables![1].table).toMatchObject({ a: [1, 64], b: [128, 4096], timeS: [[2e-5, 4e-5], [8e-5, 12e-4]] });
  });

  it('names the file, line and field of bad input in one line', () => {
    const bad = join(dir, 'bad.csv');
    const text = readFileSync(FIXTURE, 'utf8');
    writeFileSync(bad, text.replace('decode,paged,64,1,4096,32,32,8,128,bf16,12e-4', 'decode,paged,64,1,4096,32,32,8,128,bf16,-1'));
    expect(() => readAttentionKernels(bad)).toThrow(`${bad}:14: timeS: expected a finite time > 0 in seconds`);
    writeFileSync(bad, text.replace('decode,paged,64,1,4096,32,32,8,128,bf16,12e-4\n', ''));
    expect(() => readAttentionKernels(bad)).toThrow('decode paged block 32: no timing at batch 64, context 4096 (each table must be a full grid)');
    writeFileSync(bad, text.replace('# card: fixture card (not a measurement)\n', ''));
    expect(() => readAttentionKernels(bad)).toThrow('card: expected a non-empty string (measured figures say where they come from)');
    writeFileSync(bad, text.replace('prefill,contiguous,1,16,0,0', 'prefill,contiguous,2,16,0,0'));
    expect(() => readAttentionKernels(bad)).toThrow('batch: expected 1 for prefill rows');
  });

  it('reads what bench/kernels/measure_attention.py writes (its writer run on CPU, JSON and CSV alike)', () => {
    const rows = [
      { kind: 'decode', layout: 'contiguous', batch: 1, queryTokens: 1, contextTokens: 128, blockSize: 0, numQHeads: 32, numKvHeads: 8, headDim: 128, dtype: 'bf16', timeS: 1.25e-5 },
      { kind: 'decode', layout: 'paged', batch: 1, queryTokens: 1, contextTokens: 128, blockSize: 16, numQHeads: 32, numKvHeads: 8, headDim: 128, dtype: 'bf16', timeS: 1.5e-5 },
    ];
    const prov = { kind: 'measured', card: 'cpu-fixture', driver: 'none', date: '2026-01-01', command: 'test', software: 'none' };
    for (const ext of ['json', 'csv']) {
      const out = join(dir, `w.${ext}`);
      const py = `import sys, json; sys.path.insert(0, 'bench/kernels'); import measure_attention as m; m.write(sys.argv[1], 'sdpa', json.loads(sys.argv[2]), json.loads(sys.argv[3]))`;
      const r = spawnSync('python3', ['-c', py, out, JSON.stringify(prov), JSON.stringify(rows)], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const p = readAttentionKernels(out);
      expect(p.name).toBe('sdpa');
      expect(p.tables!.map((t) => [t.layout, t.table.timeS[0][0]])).toEqual([['contiguous', 1.25e-5], ['paged', 1.5e-5]]);
    }
  });

  it('reads the published profiles with their citations', () => {
    const v = readAttentionKernels('profiles/published/vllm-0.2.7.json');
    expect(v.provenance.kind).toBe('published');
    expect(v.ratios![0]).toMatchObject({ kind: 'decode', blockSize: 16, pagedOverContiguous: 2.85, holds: { batch: [16, 16], contextTokens: [16384, 16384] } });
    expect(v.ratios![0].cite).toContain('Figure 9');
  });
});
