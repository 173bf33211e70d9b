import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KvsimError, UserError } from '../errors.js';
import type { DecodeBenchRow, KernelBenchReport, PrefillBenchRow, ResolvedKernelBenchOptions } from './benchKernels.js';
import type { SdpaDecodeRow, SdpaPrefillRow, SdpaSideBySide } from './SdpaSideBySideReport.js';

export type { SdpaDecodeRow, SdpaPrefillRow, SdpaSideBySide } from './SdpaSideBySideReport.js';

const SCRIPT_IN_REPO = join('bench', 'kernels', 'sdpa_side_by_side.py');

/**
 * The first `bench/kernels/sdpa_side_by_side.py` in a folder above `from`. src/gpu/ and dist/gpu/ are two
 * folders below the repository root, but the CLI compiled for the GPU machine runs from
 * .device/js/src/gpu/ (bench/gpu/pack-gpu-tests.sh), four below: searching upward finds it in every
 * layout. Falls back to the two-folders-up path, which the caller reports as missing.
 */
export function findSdpaScript(from: string): string {
  let dir = from;
  for (let i = 0; i < 6; ++i) {
    const candidate = join(dir, SCRIPT_IN_REPO);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return resolve(from, '..', '..', SCRIPT_IN_REPO);
}

/** The script `kvsim gpu bench kernels --sdpa` runs (it ships with the repository, not the npm package). */
export const SDPA_SCRIPT = findSdpaScript(dirname(fileURLToPath(import.meta.url)));

/** Environment variable naming the Python interpreter (default `python3` on the PATH). */
export const SDPA_PYTHON_ENV = 'KVSIM_PYTHON';

/** How long the SDPA measurement may run (its shapes take seconds on an H100; a hang must not block forever). */
export const SDPA_TIMEOUT_MS = 20 * 60 * 1000;

const NEEDS = `--sdpa needs python3 with PyTorch (CUDA); set ${SDPA_PYTHON_ENV}`;

/** What the script is asked to measure: the report's shapes, each once, in the report's order. */
export interface SdpaSpec {
  device: number;
  dtype: 'f16' | 'bf16';
  numQHeads: number;
  numKvHeads: number;
  headDim: number;
  warmup: number;
  reps: number;
  decode: { batch: number; contextLen: number }[];
  prefill: { batch: number; queryLen: number; contextLen: number }[];
  /** Only import torch and name the device (a check before kvsim's own, longer, measurement). */
  probe?: boolean;
}

/** Where the interpreter and script are (tests point `python` at a fake). */
export interface SdpaRunOptions {
  /** @defaultValue $KVSIM_PYTHON, else 'python3' */
  python?: string;
  /** @defaultValue SDPA_SCRIPT */
  script?: string;
}

// The work of one row, as native/attentionBinding.cc (AttentionBench) counts it for kvsim's rows;
// bench/kernels/sdpa_side_by_side.py counts the same, and measureSdpa checks that it did.

/** Decode: K and V read once, 2-byte elements. */
export function decodeKvBytes(o: Pick<SdpaSpec, 'numKvHeads' | 'headDim'>, batch: number, contextLen: number): number {
  return 2.0 * batch * contextLen * (o.numKvHeads * o.headDim) * 2;
}

/** Causal prefill: 4 * Hq * D per attended pair; query i sees the prefix and queries 0..i. */
export function prefillCausalFlops(o: Pick<SdpaSpec, 'numQHeads' | 'headDim'>, batch: number, queryLen: number, contextLen: number): number {
  const prefix = contextLen - queryLen;
  const pairs = queryLen * prefix + 0.5 * queryLen * (queryLen + 1.0);
  return 4.0 * batch * pairs * o.numQHeads * o.headDim;
}

/** The spec for a report's options: each decode and prefill shape once (kvsim times several layouts per shape). */
export function sdpaSpec(o: ResolvedKernelBenchOptions): SdpaSpec {
  const once = <T>(xs: T[], key: (x: T) => string) => xs.filter((x, i) => xs.findIndex((y) => key(y) === key(x)) === i);
  return {
    device: o.device,
    dtype: o.dtype,
    numQHeads: o.numQHeads,
    numKvHeads: o.numKvHeads,
    headDim: o.headDim,
    warmup: o.warmup,
    reps: o.reps,
    decode: once(o.decode.map((s) => ({ batch: s.batch, contextLen: s.contextLen })), (s) => `${s.batch}x${s.contextLen}`),
    prefill: once(o.prefill.map((s) => ({ batch: s.batch, queryLen: s.queryLen, contextLen: s.contextLen })), (s) => `${s.batch}x${s.queryLen}x${s.contextLen}`),
  };
}

function resolveRun(r: SdpaRunOptions): { python: string; script: string; command: string } {
  const python = r.python ?? (process.env[SDPA_PYTHON_ENV] || 'python3');
  const script = r.script ?? SDPA_SCRIPT;
  const rel = relative(process.cwd(), script);
  const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : script;
  return { python, script, command: `${python} ${shown}` };
}

/** Runs the script once with `spec` on stdin; its JSON answer, or a one-line UserError saying what is missing. */
function runScript(spec: SdpaSpec, r: SdpaRunOptions): { answer: Record<string, unknown>; command: string } {
  const { python, script, command } = resolveRun(r);
  if (!existsSync(script)) {
    throw new UserError('SDPA_UNAVAILABLE', `--sdpa: ${script} not found (it ships with the kvsim repository, not the npm package)`);
  }
  const p = spawnSync(python, [script], { input: JSON.stringify(spec), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: SDPA_TIMEOUT_MS });
  if (p.error) {
    const code = (p.error as NodeJS.ErrnoException).code;
    if (code === 'ETIMEDOUT') throw new KvsimError('SDPA_FAILED', `--sdpa: \`${python} ${script}\` did not answer within ${SDPA_TIMEOUT_MS / 1000} s (a wedged Python or driver); stopped it`);
    if (code === 'ENOENT') throw new UserError('SDPA_UNAVAILABLE', `${NEEDS} (could not run '${python}': not found)`);
    throw new UserError('SDPA_UNAVAILABLE', `${NEEDS} (could not run '${python}': ${code ?? p.error.message})`);
  }
  // The answer is the last line of stdout; anything a library printed before it is ignored.
  const last = p.stdout.trimEnd().split('\n').pop() ?? '';
  let answer: unknown;
  try {
    answer = JSON.parse(last);
  } catch {
    answer = undefined;
  }
  const isError = answer !== null && typeof answer === 'object' && typeof (answer as { error?: unknown }).error === 'string';
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer) || (p.status !== 0 && !isError)) {
    const firstErr = p.stderr.split('\n').find((l) => l.trim() !== '')?.trim() ?? '(nothing)';
    const ended = p.signal ? `killed by ${p.signal}` : `exit status ${p.status}`;
    const what = p.status === 0 || answer === undefined ? 'did not answer with JSON' : 'failed';
    throw new UserError('SDPA_FAILED', `--sdpa: \`${command}\` ${what} (${ended}); its stderr begins: ${firstErr}`);
  }
  const a = answer as Record<string, unknown>;
  if (typeof a.error === 'string') throw new UserError('SDPA_FAILED', `--sdpa: ${command}: ${a.error}`);
  return { answer: a, command };
}

/** A JSON answer that is not what the script writes: a bug in it or here, so not a UserError (exit 1). */
function malformed(command: string, what: string): KvsimError {
  return new KvsimError('SDPA_ANSWER', `--sdpa: \`${command}\` answered JSON that does not fit the request: ${what}`);
}

function str(a: Record<string, unknown>, key: string, command: string): string {
  if (typeof a[key] !== 'string') throw malformed(command, `${key} is not a string`);
  return a[key] as string;
}

/**
 * Checks, before kvsim measures anything, that the interpreter imports torch with CUDA and sees the
 * card kvsim uses (`card`: the addon's device name) at the same ordinal.
 */
export function probeSdpa(device: number, card: string, r: SdpaRunOptions = {}): { torch: string; device: string } {
  const { answer, command } = runScript({ ...emptySpec(device), probe: true }, r);
  const name = str(answer, 'device', command);
  if (name !== card) {
    throw new UserError('SDPA_FAILED', `--sdpa: PyTorch's CUDA device ${device} is '${name}' but kvsim's is '${card}'; the side-by-side needs one card (same CUDA_VISIBLE_DEVICES for both)`);
  }
  return { torch: str(answer, 'torch', command), device: name };
}

function emptySpec(device: number): SdpaSpec {
  return { device, dtype: 'f16', numQHeads: 1, numKvHeads: 1, headDim: 128, warmup: 0, reps: 1, decode: [], prefill: [] };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b));

/** Times SDPA on the report's shapes (sdpaSpec) and checks the answer row by row. */
export function measureSdpa(o: ResolvedKernelBenchOptions, r: SdpaRunOptions = {}): SdpaSideBySide {
  const spec = sdpaSpec(o);
  const { answer: a, command } = runScript(spec, r);
  const num = (x: unknown, what: string): number => {
    if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) throw malformed(command, `${what} is ${JSON.stringify(x)}, not a positive number`);
    return x;
  };
  const rowsOf = (key: 'decode' | 'prefill', n: number): Record<string, unknown>[] => {
    const xs = a[key];
    if (!Array.isArray(xs) || xs.length !== n) throw malformed(command, `${key} has ${Array.isArray(xs) ? xs.length : 'no'} rows, asked for ${n}`);
    return xs as Record<string, unknown>[];
  };
  const decode = rowsOf('decode', spec.decode.length).map((x, i): SdpaDecodeRow => {
    const s = spec.decode[i];
    const what = `decode[${i}] (${s.batch}x${s.contextLen})`;
    if (x.batch !== s.batch || x.contextLen !== s.contextLen) throw malformed(command, `${what} came back as ${x.batch}x${x.contextLen}`);
    const medianMs = num(x.medianMs, `${what}.medianMs`);
    const kvTBs = decodeKvBytes(spec, s.batch, s.contextLen) / (medianMs * 1e-3) / 1e12;
    if (!close(num(x.kvTBs, `${what}.kvTBs`), kvTBs)) throw malformed(command, `${what}.kvTBs ${x.kvTBs} is not kvsim's formula (${kvTBs})`);
    return { batch: s.batch, contextLen: s.contextLen, medianMs, kvTBs };
  });
  const prefill = rowsOf('prefill', spec.prefill.length).map((x, i): SdpaPrefillRow => {
    const s = spec.prefill[i];
    const what = `prefill[${i}] (${s.batch}x${s.queryLen}x${s.contextLen})`;
    if (x.batch !== s.batch || x.queryLen !== s.queryLen || x.contextLen !== s.contextLen) {
      throw malformed(command, `${what} came back as ${x.batch}x${x.queryLen}x${x.contextLen}`);
    }
    const shape = { batch: s.batch, queryLen: s.queryLen, contextLen: s.contextLen };
    if (x.medianMs === null) {
      if (typeof x.note !== 'string') throw malformed(command, `${what} is not measured and has no note saying why`);
      return { ...shape, medianMs: null, tflops: null, note: x.note };
    }
    const medianMs = num(x.medianMs, `${what}.medianMs`);
    const tflops = prefillCausalFlops(spec, s.batch, s.queryLen, s.contextLen) / (medianMs * 1e-3) / 1e12;
    if (!close(num(x.tflops, `${what}.tflops`), tflops)) throw malformed(command, `${what}.tflops ${x.tflops} is not kvsim's formula (${tflops})`);
    const mask = x.mask === 'is_causal' || x.mask === 'causal_lower_right' ? x.mask : undefined;
    return { ...shape, medianMs, tflops, ...(mask ? { mask } : {}) };
  });
  const cuda = a.cuda === null || typeof a.cuda === 'string' ? a.cuda : null;
  return { provenance: 'measured', torch: str(a, 'torch', command), cuda, device: str(a, 'device', command), dateUtc: str(a, 'dateUtc', command), command, rows: { decode, prefill } };
}

/**
 * The report with SDPA beside each row: `sdpaMs`, and `vsSdpa` = kvsim's throughput over SDPA's on
 * the same shape (>1: kvsim faster; SDPA reads contiguous K/V, so paged rows compare with it too).
 */
export function withSdpa(report: KernelBenchReport, sdpa: SdpaSideBySide): KernelBenchReport {
  const dec = new Map(sdpa.rows.decode.map((s) => [`${s.batch}x${s.contextLen}`, s]));
  const pre = new Map(sdpa.rows.prefill.map((s) => [`${s.batch}x${s.queryLen}x${s.contextLen}`, s]));
  const decode = report.decode.map((x): DecodeBenchRow => {
    const s = dec.get(`${x.batch}x${x.contextLen}`);
    if (!s) throw new KvsimError('SDPA_ANSWER', `--sdpa: no SDPA row for decode ${x.batch}x${x.contextLen}`);
    return { ...x, sdpaMs: s.medianMs, vsSdpa: x.kvTBs / s.kvTBs };
  });
  const prefill = report.prefill.map((x): PrefillBenchRow => {
    const s = pre.get(`${x.batch}x${x.queryLen}x${x.contextLen}`);
    if (!s) throw new KvsimError('SDPA_ANSWER', `--sdpa: no SDPA row for prefill ${x.batch}x${x.queryLen}x${x.contextLen}`);
    return { ...x, sdpaMs: s.medianMs, vsSdpa: s.tflops === null ? null : x.tflops / s.tflops };
  });
  return { ...report, decode, prefill, sdpa };
}

/**
 * `--sdpa` as run: kvsim's timings (`first`), SDPA (`s1`), kvsim again (`second`), SDPA again (`s2`), so
 * clock or thermal drift within the call shows as a difference between a row's rounds (two sequential
 * measurements of each side in different processes can disagree by several per cent: bench/kernels/NOTES.md,
 * run 16). Rows keep the first round's figures; vsSdpa is the mean SDPA time over the mean kvsim time;
 * each row carries both rounds' times and the report the largest relative difference per side.
 */
export function withSdpaRounds(first: KernelBenchReport, second: KernelBenchReport, s1: SdpaSideBySide, s2: SdpaSideBySide): KernelBenchReport {
  const one = withSdpa(first, s1);
  const two = withSdpa(second, s2);
  const same = (a: readonly { layout: string; batch: number }[], b: readonly { layout: string; batch: number }[]) =>
    a.length === b.length && a.every((x, i) => x.layout === b[i].layout && x.batch === b[i].batch);
  if (!same(one.decode, two.decode) || !same(one.prefill, two.prefill)) {
    throw new KvsimError('SDPA_ANSWER', '--sdpa: the two rounds of kvsim timings have different rows (a bug)');
  }
  // The largest relative difference between a row's two rounds, per side, and which row it was (a chunked
  // row's drift must not be read as the headline row's: run 17, 12.6 % on SDPA's chunked row, 1.3 % on 4 x 4096).
  const most = { kvsim: { spread: 0, row: '' }, sdpa: { spread: 0, row: '' } };
  const note = (side: 'kvsim' | 'sdpa', a: number, b: number, row: string) => {
    const d = Math.abs(b - a) / Math.min(a, b);
    if (d > most[side].spread || most[side].row === '') most[side] = { spread: d, row };
  };
  const decode = one.decode.map((x, i): DecodeBenchRow => {
    const y = two.decode[i];
    const row = `decode ${x.layout} ${x.batch}x${x.contextLen}`;
    note('kvsim', x.medianMs, y.medianMs, row);
    note('sdpa', x.sdpaMs!, y.sdpaMs!, row);
    return { ...x, kvsimRepeatMs: y.medianMs, sdpaRepeatMs: y.sdpaMs, vsSdpa: (x.sdpaMs! + y.sdpaMs!) / (x.medianMs + y.medianMs) };
  });
  const prefill = one.prefill.map((x, i): PrefillBenchRow => {
    const y = two.prefill[i];
    const row = `prefill ${x.layout} ${x.batch}x${x.queryLen}${x.queryLen < x.contextLen ? ` of ${x.contextLen}` : ''}`;
    note('kvsim', x.medianMs, y.medianMs, row);
    const both = x.sdpaMs != null && y.sdpaMs != null;
    if (both) note('sdpa', x.sdpaMs!, y.sdpaMs!, row);
    return { ...x, kvsimRepeatMs: y.medianMs, sdpaRepeatMs: y.sdpaMs ?? null, vsSdpa: both ? (x.sdpaMs! + y.sdpaMs!) / (x.medianMs + y.medianMs) : null };
  });
  return {
    ...one,
    decode,
    prefill,
    sdpaRepeat: s2,
    roundSpread: { kvsim: most.kvsim.spread, sdpa: most.sdpa.spread, kvsimRow: most.kvsim.row, sdpaRow: most.sdpa.row },
  };
}
