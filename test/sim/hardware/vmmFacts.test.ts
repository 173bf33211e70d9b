import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hardwarePreset } from '../../../src/sim/hardware/presets.js';
import { vmmFacts } from '../../../src/sim/hardware/vmmFacts.js';

describe('hardware presets read VMM per-call costs from one committed source', () => {
  it('H100: the 2 MiB row of profiles/h100-sxm-80gb/vmm.json (medians), with its provenance', () => {
    const bench = JSON.parse(readFileSync('profiles/h100-sxm-80gb/vmm.json', 'utf8')) as { rows: { pageSizeBytes: number; create: { medianUs: number }; map: { medianUs: number }; setAccessSingle: { medianUs: number }; unmapSingle: { medianUs: number }; release: { medianUs: number } }[] };
    const row = bench.rows.find((r) => r.pageSizeBytes === 2 * 1024 * 1024)!;
    const v = hardwarePreset('h100').vmm;
    expect([v.createS, v.mapS, v.setAccessS, v.unmapS, v.releaseS]).toEqual([row.create, row.map, row.setAccessSingle, row.unmapSingle, row.release].map((c) => c.medianUs * 1e-6));
    expect(v.source).toBe('measured: profiles/h100-sxm-80gb/vmm.json (NVIDIA H100 80GB HBM3, driver 580.159.04, 2026-11-26, median of 2048 calls, `kvsim gpu bench vmm -o vmm.json (defaults; untimed warm-up of 32 pages per size)`)');
  });

  it('H200 from profiles/facts.json (no raw file committed), A100 labelled as the H100 stand-in', () => {
    const h200 = hardwarePreset('h200').vmm;
    expect(h200.setAccessS).toBeCloseTo(28.8e-6, 15);
    expect(h200.source).toMatch(/\(profiles\/facts\.json\)$/);
    const a100 = hardwarePreset('a100').vmm;
    expect(a100.setAccessS).toBe(hardwarePreset('h100').vmm.setAccessS);
    expect(a100.source).toMatch(/^assumed equal to the H100 measurement \(no A100 measured\): measured: profiles\/h100-sxm-80gb\/vmm\.json/);
  });

  it('a card with neither file says which command measures it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvsim-facts-'));
    writeFileSync(join(dir, 'facts.json'), '{"vmm": {}}');
    expect(() => vmmFacts('b200', dir)).toThrow(/^no VMM costs for b200: neither .*b200\/vmm\.json nor an entry in .*facts\.json; measure them with `kvsim gpu bench vmm --json -o /);
  });
});
