import { describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/writeReport.js';
import { hardwarePreset } from '../../src/sim/hardware/presets.js';
import { memoryTable } from '../../src/sim/memory/memoryTable.js';
import { modelPreset } from '../../src/sim/model/presets.js';
import type { ValidationResult } from '../../src/report/ValidationResult.js';
import { syntheticRun } from './fixtures/syntheticRun.js';
import { chartsIn } from './reportDom.js';

// Round-trip through JSON as the CLI does: NaN/undefined become null, as in a real file.
const runs = JSON.parse(JSON.stringify((['static', 'paged', 'vattention'] as const).map((p) => syntheticRun(p))));

function validationSet(n: number): ValidationResult {
  const gpuS = Array.from({ length: n }, (_, i) => 0.01 + i * 1e-4);
  return { schema: 'kvsim.validation/1', card: 'NVIDIA H100 80GB HBM3', model: 'llama-3-8b', policy: 'paged', trace: 'fixture', iterations: { gpuS, simS: gpuS.map((g, i) => g * (1 + ((i % 7) - 3) / 100)) } };
}

describe('writeReport', () => {
  it('draws every chart with data marks, a title and labelled axes', () => {
    const charts = chartsIn(writeReport(runs));
    const ids = charts.map((c) => c.id);
    // No recurrent model ran and none was asked for: no xLSTM section.
    expect(ids).toEqual([
      'memory-1', 'memory-2', 'memory-3', 'fragmentation', 'breakdown-1', 'breakdown-2', 'breakdown-3', 'batch-size', 'queue-length',
      'latency-ttft', 'latency-tbt', 'latency-e2e', 'throughput', 'capacity',
      'sweep-capacity', 'sweep-fragmentation',
    ]);
    for (const c of charts) {
      expect(c.marks, c.id).toBeGreaterThan(0);
      expect(c.title.length, c.id).toBeGreaterThan(3);
      expect(c.xLabel.length, c.id).toBeGreaterThan(2);
      expect(c.yLabel.length, c.id).toBeGreaterThan(2);
    }
    // One mean line per run in the multi-run charts; per memory chart three stacked areas and two lines.
    expect(charts.find((c) => c.id === 'batch-size')?.marks).toBe(3);
    expect(charts.find((c) => c.id === 'memory-2')?.marks).toBe(5);
    expect(charts.find((c) => c.id === 'capacity')?.marks).toBe(6);
  });

  it('puts units in the axis labels of quantities that have them', () => {
    const charts = chartsIn(writeReport(runs));
    const byId = new Map(charts.map((c) => [c.id, c]));
    expect(byId.get('memory-1')?.yLabel).toMatch(/\((GiB|MiB|KiB|B)\)/);
    expect(byId.get('memory-1')?.xLabel).toContain('(s)');
    expect(byId.get('latency-ttft')?.xLabel).toContain('(s');
    expect(byId.get('sweep-capacity')?.yLabel).toContain('requests');
    expect(chartsIn(writeReport(runs, { stateComparison: {} })).find((c) => c.id === 'state-vs-kv')?.xLabel).toContain('(tokens)');
  });

  it('is self-contained: --static has no script, the interactive page only an inline one; no external resource; byte-identical on repeat', () => {
    const a = writeReport(runs, { validation: [validationSet(50)], interactive: false });
    const b = writeReport(runs, { validation: [validationSet(50)], interactive: false });
    expect(a).toBe(b);
    expect(a).not.toMatch(/<script/i);
    expect(a).not.toContain('chart-data');
    const live = writeReport(runs, { validation: [validationSet(50)] });
    expect(live).toBe(writeReport(runs, { validation: [validationSet(50)] }));
    expect(live.match(/<script/g)).toHaveLength(1);
    expect(live).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"`);
    expect(live).not.toMatch(/\b(src|href)=/i);
    expect(live).not.toMatch(/fetch\(|XMLHttpRequest|WebSocket|import\(/);
    const ids = [...a.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(a).not.toMatch(/\b(src|href)=/i);
    // The only URL is the SVG namespace.
    expect(a.match(/https?:\/\/[^\s"')]+/g)?.filter((u) => u !== 'http://www.w3.org/2000/svg') ?? []).toEqual([]);
  });

  it('draws the validation scatter only when validation data is given, and says so otherwise', () => {
    const without = writeReport(runs);
    expect(chartsIn(without).some((c) => c.id === 'validation')).toBe(false);
    expect(without).toContain('No validation data was given');
    const withIt = writeReport(runs, { validation: [validationSet(80)] });
    const scatter = chartsIn(withIt).find((c) => c.id === 'validation');
    expect(scatter?.marks).toBe(80);
    // Errors are -3%..+3%: the caption's median must say so (|e| median of 0,1,2,3 pattern is 2%).
    expect(withIt).toMatch(/median 2\.0%/);
  });

  it('works with no runs (model-level charts only) and rejects a bad option by name', () => {
    const charts = chartsIn(writeReport([]));
    expect(charts.map((c) => c.id)).toEqual(['sweep-capacity', 'sweep-fragmentation', 'state-vs-kv', 'capacity-vs-context']);
    expect(chartsIn(writeReport([], { sweep: false, stateComparison: false }))).toEqual([]);
    expect(() => writeReport(runs, { maxPointsPerSeries: 3 })).toThrow(/maxPointsPerSeries/);
  });

  it('draws the sweep from the memory table: one bar per policy row and context, with the table\'s counts', () => {
    const html = writeReport([], { stateComparison: false, sweep: { model: 'llama-3-8b', gpu: 'h100', tp: 1, contextsTokens: [1024, 4096] } });
    const table = memoryTable(modelPreset('llama-3-8b'), hardwarePreset('h100'), 1, [1024, 4096]);
    const titles = [...html.matchAll(/<title>([^<]+) — (\d+)-token requests: ([\d,]+)<\/title>/g)].map((m) => [m[1], Number(m[2]), Number(m[3].replace(/,/g, ''))]);
    expect(titles).toEqual(table.rows.flatMap((r) => [[r.label, 1024, r.maxRequests[0]], [r.label, 4096, r.maxRequests[1]]]));
    expect(chartsIn(html).find((c) => c.id === 'sweep-capacity')?.marks).toBe(table.rows.length * 2);
  });

  it('explains a missing sweep instead of failing when the model is not a preset', () => {
    const html = writeReport([], { stateComparison: false, sweep: { model: 'models/my-config.json' } });
    expect(html).toMatch(/No page\/block-size sweep for models\/my-config\.json on h100-sxm-80gb \(TP 1\): Unknown model/);
  });

  it('thins long runs but keeps the peak the caption reports', () => {
    const long = syntheticRun('paged', 3, 50, 20_000);
    const html = writeReport([long], { maxPointsPerSeries: 200, stateComparison: false });
    // 20,000 iterations bin into 300 drawn bins (600 for zoom) whatever the run's length.
    expect(html.length).toBeLessThan(450_000);
    expect(html).toContain(`peak live`);
  });
});
