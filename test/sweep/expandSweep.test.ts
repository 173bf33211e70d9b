import { describe, expect, it } from 'vitest';
import { expandSweep } from '../../src/sweep/expandSweep.js';
import { parseSweepSpec } from '../../src/sweep/readSweepSpec.js';

const expand = (text: string) => expandSweep(parseSweepSpec(text, 'spec.yaml'));

describe('expandSweep', () => {
  it('expands the cartesian product, collapsing points that resolve to the same run', () => {
    const e = expand(`
grid:
  model: llama-3-8b
  policy: [paged, vattention]
  block-size: [16, 32]
  rate: [1, 2, 4]
  seed: [1, 2]
`);
    // paged: 2 block sizes x 3 rates x 2 seeds = 12; vattention ignores block-size: 3 x 2 = 6 (6 duplicates).
    expect(e.runs.length).toBe(18);
    expect(e.duplicates).toBe(6);
    expect(new Set(e.runs.map((r) => r.id)).size).toBe(18);
    expect(e.runs.every((r) => /^[0-9a-f]{16}$/.test(r.id))).toBe(true);
    expect(e.runs.map((r) => r.index)).toEqual([...Array(18).keys()]);
    expect(e.runs.filter((r) => r.options.policy === 'vattention').every((r) => r.options['block-size'] === null && r.options['page-size'] === 2097152)).toBe(true);
  });

  it('on a hybrid model: paged is the hybrid (one run id), static and vattention its attention part, recurrent skipped', () => {
    const e = expand('grid:\n  model: hybrid-7b\n  policy: [hybrid, paged, static, vattention, recurrent]\n');
    expect(e.runs.map((r) => r.options.policy)).toEqual(['hybrid', 'static', 'vattention']);
    expect(e.duplicates).toBe(1);
    expect(e.skipped).toBe(1);
  });

  it('gives the same ids whatever the key order, aliases or explicit defaults', () => {
    const a = expand('grid:\n  model: llama-3-8b\n  policy: [paged]\n  rate: [1, 3]\n');
    const b = expand('grid:\n  rate: [1, 3]\n  gpu: h100\n  block-size: 16\n  scheduler: vllm\n  policy: paged\n  model: LLAMA-3-8B\n  tp: 1\n  cost-model: auto\n');
    expect(b.runs.map((r) => r.id)).toEqual(a.runs.map((r) => r.id));
  });

  it('gives another id when an option that matters changes', () => {
    const a = expand('grid:\n  model: llama-3-8b\n  policy: paged\n  rate: 1\n');
    const b = expand('grid:\n  model: llama-3-8b\n  policy: paged\n  rate: 1.5\n');
    const c = expand('grid:\n  model: llama-3-8b\n  policy: paged\n  rate: 1\n  kv-memory: 8G\n');
    expect(new Set([a.runs[0].id, b.runs[0].id, c.runs[0].id]).size).toBe(3);
    expect(c.runs[0].options['kv-memory']).toBe(8 * 1024 ** 3);
  });

  it('skips policies that do not apply to a model and adds one SLO search per configuration without the rate axis', () => {
    const e = expand(`
grid:
  model: [llama-3-8b, xlstm-7b]
  policy: [paged, recurrent]
  rate: [1, 2]
slo:
  - name: chat
    ttft-p99-ms: 500
    tbt-p99-ms: 100
    rate-min: 0.5
    rate-max: 32
`);
    expect(e.skipped).toBe(6); // 4 grid points, 2 search configurations
    expect(e.runs.filter((r) => r.kind === 'run').length).toBe(4);
    const searches = e.runs.filter((r) => r.kind === 'slo');
    expect(searches.map((r) => `${r.options.model}/${r.options.policy}`)).toEqual(['llama-3-8b/paged', 'xlstm-7b/recurrent']);
    expect(searches.every((r) => r.options.rate === null && r.slo?.tolerance === 0.02)).toBe(true);
  });

  it('reads JSON specs as well', () => {
    const e = expand('{"grid": {"model": "llama-3-8b", "policy": ["static", "paged"], "seed": [1, 2, 3]}}');
    expect(e.runs.length).toBe(6);
  });

  it('names the file, line and key of a bad value', () => {
    expect(() => expand('grid:\n  model: llama-3-8b\n  rate: [1, -2]\n')).toThrow('spec.yaml:3: Expected a finite number > 0 for grid.rate but received -2');
    expect(() => expand('grid:\n  modle: llama-3-8b\n')).toThrow(/spec\.yaml:2: Expected one of trace, model, .* for a grid option but received "modle"/);
    expect(() => expand('grid:\n  policy: paged\nslo:\n  - ttft-p99-ms: 100\n    rate-min: 4\n    rate-max: 2\n')).toThrow(/spec\.yaml:4: Expected rate-max above rate-min \(4\) for slo\[0\]\.rate-max/);
    expect(() => expand('grid:\n  model: [a, a]\n')).toThrow(/distinct values for grid.model/);
  });
});
