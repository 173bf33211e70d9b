import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NativeAttentionBenchOptions, NativeAttentionBenchResult } from '../../src/gpu/AttentionNative.js';
import type { KernelBenchReport } from '../../src/gpu/benchKernels.js';
import { decodeKvBytes, prefillCausalFlops, type SdpaSpec } from '../../src/gpu/sdpaSideBySide.js';
import { FAKE_DEVICE_INFO } from '../gpu/fakes/fakeBinding.js';
import { runKvsim } from './runKvsim.js';

// `kvsim gpu bench kernels --sdpa` on CPU: requireGpu hands out a binding whose attentionBench
// answers fixed times (decode 1 ms, prefill 5 ms), and $KVSIM_PYTHON points at a fake interpreter
// (a Node script) that logs the spec it is sent and answers as bench/kernels/sdpa_side_by_side.py
// would (decode 2 ms, prefill 10 ms: every /SDPA is 2).

const benchCalls: NativeAttentionBenchOptions[] = [];
function attentionBench(o: NativeAttentionBenchOptions): NativeAttentionBenchResult {
  benchCalls.push(o);
  if (o.kind === 'copy') return { medianMs: 1, minMs: 1, bytes: 2 * o.copyBytes };
  if (o.kind === 'decode') return { medianMs: 1, minMs: 1, bytes: decodeKvBytes(o, o.batch, o.contextLen), numSplits: 4 };
  return { medianMs: 5, minMs: 5, bytes: 1, flops: prefillCausalFlops(o, o.batch, o.queryLen, o.contextLen) };
}
vi.mock('../../src/gpu/requireGpu.js', () => ({
  requireGpu: () => ({ binding: { attentionRun: () => undefined, attentionBench }, info: FAKE_DEVICE_INFO }),
}));
const { gpuCommand } = await import('../../src/cli/gpu.js');
const kvsim = (args: string[]) => runKvsim(args, [gpuCommand]);

const dir = mkdtempSync(join(tmpdir(), 'kvsim-sdpa-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LOG = join(dir, 'specs.jsonl');

/** The fake interpreter: argv[2] is the script path; FAKE_SDPA picks ok | na (chunked rows null) | garbage | other-card | bad-formula | drift (prefill 12 ms from the second measurement on) | drift-chunked (the same, chunked rows only). */
const FAKE = join(dir, 'fake-python');
writeFileSync(
  FAKE,
  `#!/usr/bin/env node
const fs = require('node:fs');
const mode = process.env.FAKE_SDPA || 'ok';
const spec = JSON.parse(fs.readFileSync(0, 'utf8'));
fs.appendFileSync(${JSON.stringify(LOG)}, JSON.stringify({ script: process.argv[2], spec }) + '\\n');
if (mode === 'garbage') {
  process.stderr.write('Traceback (most recent call last): fake failure\\nsecond line\\n');
  process.stdout.write('this is not JSON\\n');
  process.exit(1);
}
const head = { torch: '2.11.0+fake', cuda: '13.0', device: mode === 'other-card' ? 'Some Other GPU' : ${JSON.stringify(FAKE_DEVICE_INFO.name)} };
if (spec.probe) { console.log(JSON.stringify(head)); process.exit(0); }
const decode = spec.decode.map((s) => {
  const bytes = 2 * s.batch * s.contextLen * spec.numKvHeads * spec.headDim * 2;
  return { ...s, medianMs: 2, bytes, kvTBs: (mode === 'bad-formula' ? 2 : 1) * bytes / 2e-3 / 1e12 };
});
const prefill = spec.prefill.map((s) => {
  const pairs = s.queryLen * (s.contextLen - s.queryLen) + 0.5 * s.queryLen * (s.queryLen + 1);
  const flops = 4 * s.batch * pairs * spec.numQHeads * spec.headDim;
  if (mode === 'na' && s.queryLen < s.contextLen) return { ...s, medianMs: null, flops, tflops: null, note: 'fake: no lower-right mask' };
  const second = fs.readFileSync(${JSON.stringify(LOG)}, 'utf8').trim().split('\\n').filter((l) => !JSON.parse(l).spec.probe).length > 1;
  const ms = second && (mode === 'drift' || (mode === 'drift-chunked' && s.queryLen < s.contextLen)) ? 12 : 10;
  return { ...s, medianMs: ms, flops, tflops: flops / (ms * 1e-3) / 1e12, mask: s.queryLen < s.contextLen ? 'causal_lower_right' : 'is_causal' };
});
console.log('a library line before the answer');
console.log(JSON.stringify({ ...head, dateUtc: '2026-12-07T00:00:00Z', decode, prefill }));
`,
);
chmodSync(FAKE, 0o755);

function specsSent(): { script: string; spec: SdpaSpec }[] {
  try {
    return readFileSync(LOG, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { script: string; spec: SdpaSpec });
  } catch {
    return [];
  }
}

beforeEach(() => {
  benchCalls.length = 0;
  rmSync(LOG, { force: true });
  vi.stubEnv('KVSIM_PYTHON', FAKE);
  vi.stubEnv('FAKE_SDPA', 'ok');
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const RUN = ['gpu', 'bench', 'kernels', '--no-check', '--reps', '3'];

describe('kvsim gpu bench kernels --sdpa (fake binding, fake interpreter)', () => {
  it('merges SDPA into every row with kvsim/SDPA throughput ratios, and says it was measured', async () => {
    const { out, err, code } = await kvsim([...RUN, '--sdpa', '--json']);
    expect(code, err).toBe(0);
    const r = JSON.parse(out) as KernelBenchReport;
    expect(r.decode.length).toBeGreaterThan(0);
    for (const x of r.decode) expect([x.sdpaMs, x.vsSdpa]).toEqual([2, 2]);
    for (const x of r.prefill) {
      expect(x.sdpaMs).toBe(10);
      expect(x.vsSdpa).toBeCloseTo(2, 12);
    }
    expect(r.sdpa).toMatchObject({ provenance: 'measured', torch: '2.11.0+fake', cuda: '13.0', device: FAKE_DEVICE_INFO.name, dateUtc: '2026-12-07T00:00:00Z' });
    expect(r.sdpa?.command).toBe(`${FAKE} bench/kernels/sdpa_side_by_side.py`);
    expect(r.sdpa?.rows.prefill.map((p) => p.mask)).toEqual(['is_causal', 'causal_lower_right']);
  });

  it('sends the script exactly the report\'s shapes, twice (kvsim, SDPA, kvsim, SDPA), after a probe and after kvsim\'s own timings', async () => {
    const { out, code } = await kvsim([...RUN, '--sdpa', '--json', '--dtype', 'bf16']);
    expect(code).toBe(0);
    const r = JSON.parse(out) as KernelBenchReport;
    const sent = specsSent();
    expect(sent.map((s) => Boolean(s.spec.probe))).toEqual([true, false, false]);
    expect(sent[2].spec).toEqual(sent[1].spec);
    // kvsim's rows timed twice: every prefill shape's calls come in two rounds.
    const prefillCalls = benchCalls.filter((c) => c.kind === 'prefill').length;
    expect(prefillCalls).toBe(2 * r.prefill.length);
    expect(sent.every((s) => s.script.endsWith('bench/kernels/sdpa_side_by_side.py'))).toBe(true);
    const spec = sent[1].spec;
    const uniq = (xs: string[]) => [...new Set(xs)];
    expect(spec.decode.map((s) => `${s.batch}x${s.contextLen}`)).toEqual(uniq(r.decode.map((x) => `${x.batch}x${x.contextLen}`)));
    expect(spec.prefill.map((s) => `${s.batch}x${s.queryLen}x${s.contextLen}`)).toEqual(uniq(r.prefill.map((x) => `${x.batch}x${x.queryLen}x${x.contextLen}`)));
    const o = r.options;
    expect(spec).toMatchObject({ device: o.device, dtype: 'bf16', numQHeads: o.numQHeads, numKvHeads: o.numKvHeads, headDim: o.headDim, warmup: o.warmup, reps: 3 });
    // The same shapes kvsim timed.
    expect(uniq(benchCalls.filter((c) => c.kind === 'prefill').map((c) => `${c.batch}x${c.queryLen}x${c.contextLen}`))).toEqual(spec.prefill.map((s) => `${s.batch}x${s.queryLen}x${s.contextLen}`));
  });

  it('two rounds: /SDPA from the mean of each side, both rounds in the JSON, and the spread printed (flagged above 3 %)', async () => {
    vi.stubEnv('FAKE_SDPA', 'drift'); // the second SDPA round answers prefill 12 ms (first 10), decode 2 ms both
    const { out, code } = await kvsim([...RUN, '--sdpa', '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(out) as KernelBenchReport;
    for (const x of r.prefill) {
      expect([x.sdpaMs, x.sdpaRepeatMs, x.medianMs, x.kvsimRepeatMs]).toEqual([10, 12, 5, 5]);
      expect(x.vsSdpa).toBeCloseTo(22 / 10, 12);
    }
    for (const x of r.decode) expect([x.sdpaMs, x.sdpaRepeatMs, x.vsSdpa]).toEqual([2, 2, 2]);
    // Which row each side's largest spread was on (ties: the first row; kvsim's rounds agree everywhere).
    expect(r.roundSpread).toEqual({ kvsim: 0, sdpa: 0.2, kvsimRow: 'decode contiguous 64x4096', sdpaRow: 'prefill contiguous 4x4096' });
    expect(r.sdpaRepeat?.provenance).toBe('measured');
    rmSync(LOG, { force: true }); // the fake counts its answers in the log: start the text run's rounds afresh
    const text = await kvsim([...RUN, '--sdpa']);
    expect(text.out).toMatch(/two rounds, alternated \(kvsim, SDPA, kvsim, SDPA\).*kvsim 0\.0 % \(decode contiguous 64x4096\), SDPA 20\.0 % \(prefill contiguous 4x4096\) \(over 3 %: the card drifted within this call/);
  });

  it("names the row of each side's largest round spread: a chunked row's drift is not the headline row's", async () => {
    vi.stubEnv('FAKE_SDPA', 'drift-chunked');
    const { out, code } = await kvsim([...RUN, '--sdpa']);
    expect(code).toBe(0);
    expect(out).toMatch(/SDPA 20\.0 % \(prefill contiguous 4x512 of 4096\) \(over 3 %/);
  });

  it('prints /SDPA columns, the provenance line, and n/a with the reason for rows SDPA could not measure', async () => {
    vi.stubEnv('FAKE_SDPA', 'na');
    const { out, code } = await kvsim([...RUN, '--sdpa']);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines.find((l) => l.startsWith('decode'))).toMatch(/SDPA ms +\/SDPA$/);
    expect(lines.find((l) => l.startsWith('contiguous') && /\s64\s+4096\s/.test(l))).toMatch(/2\.0000 +2\.000$/);
    expect(lines.filter((l) => /\s512\s+4096\s/.test(l)).every((l) => /n\/a +n\/a$/.test(l))).toBe(true);
    expect(out).toMatch(/^SDPA: measured 2026-12-07T00:00:00Z with PyTorch 2\.11\.0\+fake \(CUDA 13\.0\) scaled_dot_product_attention on Fake H100/m);
    expect(out).toContain('SDPA n/a for prefill 4x512x4096: fake: no lower-right mask');
  });

  it('without --sdpa: no SDPA columns or fields, and the interpreter is never run', async () => {
    const { out, code } = await kvsim([...RUN, '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(out) as KernelBenchReport;
    expect(r.sdpa).toBeUndefined();
    expect(r.decode[0]).not.toHaveProperty('vsSdpa');
    expect(specsSent()).toEqual([]);
  });

  it('an answer that is not JSON: one line naming the script and the first stderr line, exit 2', async () => {
    vi.stubEnv('FAKE_SDPA', 'garbage');
    const { out, err, code } = await kvsim([...RUN, '--sdpa']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toContain('sdpa_side_by_side.py');
    expect(err).toContain('did not answer with JSON (exit status 1); its stderr begins: Traceback (most recent call last): fake failure');
    expect(benchCalls).toEqual([]); // the probe failed before kvsim measured anything
  });

  it('no interpreter: the clear error, exit 2, before any measurement', async () => {
    vi.stubEnv('KVSIM_PYTHON', join(dir, 'no-such-python'));
    const { err, code } = await kvsim([...RUN, '--sdpa']);
    expect(code).toBe(2);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toContain(`--sdpa needs python3 with PyTorch (CUDA); set KVSIM_PYTHON (could not run '${join(dir, 'no-such-python')}': not found)`);
    expect(benchCalls).toEqual([]);
  });

  it('PyTorch on another card than kvsim: refused', async () => {
    vi.stubEnv('FAKE_SDPA', 'other-card');
    const { err, code } = await kvsim([...RUN, '--sdpa']);
    expect(code).toBe(2);
    expect(err).toContain("PyTorch's CUDA device 0 is 'Some Other GPU' but kvsim's is 'Fake H100 (test double)'");
  });

  it('an answer whose throughput is not kvsim\'s formula: refused as a bug (exit 1), not merged', async () => {
    vi.stubEnv('FAKE_SDPA', 'bad-formula');
    const { out, err, code } = await kvsim([...RUN, '--sdpa']);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(/answered JSON that does not fit the request: decode\[0\] \(64x4096\)\.kvTBs .* is not kvsim's formula/);
  });

  const python3 = spawnSync('python3', ['-c', 'import torch'], { encoding: 'utf8' });
  const noTorchHere = !python3.error && python3.status !== 0 && /No module named 'torch'/.test(python3.stderr);
  it.skipIf(!noTorchHere)('the real script under this python3 without torch: the "no torch" error, exit 2', async () => {
    vi.stubEnv('KVSIM_PYTHON', '');
    const { err, code } = await kvsim([...RUN, '--sdpa']);
    expect(code).toBe(2);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
    expect(err).toContain("python3 bench/kernels/sdpa_side_by_side.py: cannot import torch (ModuleNotFoundError: No module named 'torch'); --sdpa needs python3 with PyTorch (CUDA); set KVSIM_PYTHON");
  });
});

describe('findSdpaScript', () => {
  it('finds the script above src/gpu, dist/gpu and the GPU machine layout .device/js/src/gpu, and falls back to two folders up', async () => {
    const { findSdpaScript } = await import('../../src/gpu/sdpaSideBySide.js');
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const root = mkdtempSync(join(tmpdir(), 'kvsim-sdpa-'));
    const script = join(root, 'bench', 'kernels', 'sdpa_side_by_side.py');
    mkdirSync(join(root, 'bench', 'kernels'), { recursive: true });
    writeFileSync(script, '# fake\n');
    for (const below of [['src', 'gpu'], ['dist', 'gpu'], ['.device', 'js', 'src', 'gpu']]) {
      expect(findSdpaScript(join(root, ...below))).toBe(script);
    }
    const empty = mkdtempSync(join(tmpdir(), 'kvsim-sdpa-none-'));
    expect(findSdpaScript(join(empty, 'src', 'gpu'))).toBe(join(empty, 'bench', 'kernels', 'sdpa_side_by_side.py'));
  });
});
