import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readProfile } from '../../src/sim/cost/calibrated/readProfile.js';
import { runKvsim } from './runKvsim.js';

const dir = mkdtempSync(join(tmpdir(), 'kvsim-calibrate-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const H100 = 'profiles/h100-sxm-80gb/llama-3-8b.json';
const oneLine = (err: string) => err.endsWith('\n') && err.trim().split('\n').length === 1;

/** `kvsim calibrate scale` runs in plain Node (this test process has no GPU and loads no addon). */
describe('kvsim calibrate scale', () => {
  it('writes a predicted profile that reads back, and prints the rule, the ceilings and the factors', async () => {
    const out = join(dir, 'h200.json');
    const r = await runKvsim(['calibrate', 'scale', '--profile', H100, '--to', 'h200', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^calibrate scale: NVIDIA H100 80GB HBM3 \(h100-sxm-80gb, 2026-12-06\) -> h200-141gb: PREDICTED by roofline scaling, not measured\n/);
    expect(r.out).toMatch(/\nrule: per table cell t_B = t_A \* roof_B \/ roof_A/);
    expect(r.out).toMatch(/h200-141gb: 4\.30 TB\/s, 788 TFLOP\/s \[measured: /);
    expect(r.out).toMatch(/\n {2}decodeAttention\.paged\.16: x0\.695 \(72 cells, 72 memory-bound on h100-sxm-80gb\)\n/);
    const p = readProfile(out);
    expect(p.gpu).toBe('h200-141gb');
    expect(p.derivedFrom!.profile).toBe(H100);
    expect(p.command).toBe(`kvsim calibrate scale --profile ${H100} --to h200-141gb`);
  });

  it('--compare of a profile with its own card gives 0 error in every table', async () => {
    const r = await runKvsim(['calibrate', 'scale', '--profile', H100, '--to', 'h100', '--compare', H100]);
    expect(r.code).toBe(0);
    const table = r.out.slice(r.out.indexOf('| table |'));
    const rows = table.trim().split('\n').slice(2);
    expect(rows.length).toBeGreaterThanOrEqual(6);
    for (const row of rows) expect(row).toMatch(/^\| .+ \| [1-9]\d* \| 0\.00% \| 0\.00% \| 0\.00% \|$/);
    expect(table).toContain('| decodeAttention.paged (block 8..256) | 432 |');
  });

  it('errors are one line, exit 2, and nothing is printed or written before them', async () => {
    const noShape = join(dir, 'no-shape.json');
    const { shape: _, ...rest } = JSON.parse(readFileSync(H100, 'utf8')) as Record<string, unknown>;
    writeFileSync(noShape, JSON.stringify(rest));
    const predicted = join(dir, 'p.json');
    await runKvsim(['calibrate', 'scale', '--profile', H100, '--to', 'h200', '--out', predicted]);
    const cases: [string[], RegExp][] = [
      [['--profile', H100, '--to', 'h200'], /^kvsim: calibrate scale: name --out \(write the predicted profile\) or --compare \(report its error\), or both\n$/],
      [['--profile', H100, '--to', 'h300', '--out', join(dir, 'x.json')], /^kvsim: Unknown GPU "h300": expected one of /],
      [['--profile', join(dir, 'missing.json'), '--to', 'h200', '--out', join(dir, 'x.json')], /^kvsim: .*missing\.json: cannot read calibration profile \(ENOENT\)\n$/],
      [['--profile', noShape, '--to', 'h200', '--out', join(dir, 'x.json')], /^kvsim: calibrate scale: .*no-shape\.json: layerGemm\.attention: the profile records no shape, so the bytes and FLOPs of its cells are unknown; /],
      [['--profile', predicted, '--to', 'h100', '--out', join(dir, 'x.json')], /^kvsim: calibrate scale: .*p\.json: already predicted \(from profiles\/h100-sxm-80gb\/llama-3-8b\.json, NVIDIA H100 80GB HBM3\)/],
      [['--profile', H100, '--to', 'h200', '--compare', H100], /^kvsim: calibrate scale --compare: profiles\/h100-sxm-80gb\/llama-3-8b\.json: measured on h100-sxm-80gb, but the prediction is for h200-141gb\n$/],
      [['--profile', H100, '--to', 'h200', '--out', join(dir, 'no', 'x.json')], /^kvsim: --out .*x\.json: directory .*no does not exist; create it first\n$/],
      // The measuring command's options do not leak into `scale`.
      [['--profile', H100, '--to', 'h200', '--out', join(dir, 'x.json'), '--quick'], /^kvsim: Unknown option --quick/],
      [['--to', 'h200', '--out', join(dir, 'x.json')], /^kvsim: Missing required argument: profile\n$/],
    ];
    for (const [args, want] of cases) {
      const r = await runKvsim(['calibrate', 'scale', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(oneLine(r.err), r.err).toBe(true);
      expect(r.err).toMatch(want);
      expect(r.out, args.join(' ')).toBe('');
    }
    expect(() => readFileSync(join(dir, 'x.json'))).toThrow(/ENOENT/);
  });
});
