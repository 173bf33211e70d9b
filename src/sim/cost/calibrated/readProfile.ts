import { readFileSync } from 'node:fs';
import type { CalibrationProfile, Table1D, Table2D } from './CalibrationProfile.js';
import { ProfileError } from './ProfileError.js';

/** Reads and validates a calibration profile; every problem names the file and the field. */
export function readProfile(path: string): CalibrationProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProfileError(`${path}: cannot read calibration profile (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ProfileError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return validateProfile(json, path);
}

/** Validates a parsed profile object. */
export function validateProfile(json: unknown, path: string): CalibrationProfile {
  const fail = (field: string, what: string): never => {
    throw new ProfileError(`${path}: ${field}: expected ${what}`);
  };
  if (typeof json !== 'object' || json === null) fail('(root)', 'an object');
  const p = json as Record<string, unknown>;
  if (p.schema !== 'kvsim.profile/1') fail('schema', '"kvsim.profile/1"');
  for (const f of ['card', 'gpu', 'driver', 'cudaRuntime', 'date', 'model', 'dtype', 'method']) {
    if (typeof p[f] !== 'string' || (p[f] as string).length === 0) fail(f, 'a non-empty string');
  }
  if (typeof p.tp !== 'number' || !Number.isInteger(p.tp) || p.tp < 1) fail('tp', 'an integer >= 1');
  if (p.command !== undefined && typeof p.command !== 'string') fail('command', 'a string');
  if (p.shape !== undefined) checkShape(p.shape, p.tp as number, fail);
  const gemm = p.layerGemm as Record<string, unknown> | undefined;
  if (gemm !== undefined) for (const k of Object.keys(gemm)) check1D(gemm[k], `layerGemm.${k}`, fail);
  if (p.lmHead !== undefined) check1D(p.lmHead, 'lmHead', fail);
  if (p.recurrentStep !== undefined) check1D(p.recurrentStep, 'recurrentStep', fail);
  if (p.allReduce !== undefined) check1D(p.allReduce, 'allReduce', fail);
  if (p.recurrentPrefill !== undefined) {
    check1D(p.recurrentPrefill, 'recurrentPrefill', fail);
    checkMeasuredWithName((p.recurrentPrefill as { algorithm?: unknown }).algorithm, 'recurrentPrefill.algorithm', 'algorithm', fail);
  }
  if (p.slstmStep !== undefined) {
    check1D(p.slstmStep, 'slstmStep', fail);
    checkMeasuredWithName((p.slstmStep as { variant?: unknown }).variant, 'slstmStep.variant', 'variant', fail);
  }
  if (p.slstmPrefill !== undefined) check1D(p.slstmPrefill, 'slstmPrefill', fail);
  for (const part of ['decodeAttention', 'prefillAttention'] as const) {
    const v = p[part] as { contiguous?: unknown; paged?: Record<string, unknown>; pagedAscending?: Record<string, unknown> } | undefined;
    if (v === undefined) continue;
    if (part === 'prefillAttention') checkMeasuredWithName((v as { kernel?: unknown }).kernel, `${part}.kernel`, 'kernel', fail);
    if (v.contiguous !== undefined) check2D(v.contiguous, `${part}.contiguous`, fail);
    for (const [k, t] of Object.entries(v.paged ?? {})) check2D(t, `${part}.paged.${k}`, fail);
    for (const [k, t] of Object.entries(v.pagedAscending ?? {})) check2D(t, `${part}.pagedAscending.${k}`, fail);
  }
  if (p.iterationOverheadS !== undefined && !(typeof p.iterationOverheadS === 'number' && p.iterationOverheadS >= 0)) {
    fail('iterationOverheadS', 'a number >= 0');
  }
  const en = p.enactment as Record<string, Record<string, unknown>> | undefined;
  if (en !== undefined) {
    if (typeof en !== 'object' || en === null) fail('enactment', 'an object keyed by policy');
    for (const [k, v] of Object.entries(en)) {
      for (const f of ['iterationS', 'allocIterationS', 'perAllocOpS', 'iterations']) {
        if (typeof v?.[f] !== 'number' || !Number.isFinite(v[f] as number) || (v[f] as number) < 0) fail(`enactment.${k}.${f}`, 'a finite number >= 0');
      }
      for (const f of ['perPrefillTokenS', 'perPrefillRequestS', 'harnessIterationS', 'harnessPerOpS']) {
        const t = v?.[f];
        if (t !== undefined && (typeof t !== 'number' || !Number.isFinite(t) || t < 0)) fail(`enactment.${k}.${f}`, 'a finite number >= 0');
      }
      const dm = v?.decodeMedianS;
      if (dm !== undefined && (typeof dm !== 'number' || !Number.isFinite(dm))) fail(`enactment.${k}.decodeMedianS`, 'a finite number (seconds, signed)');
      const g = v?.cudaGraphs as Record<string, unknown> | undefined;
      if (g !== undefined) {
        if (typeof g !== 'object' || g === null) fail(`enactment.${k}.cudaGraphs`, 'an object {iterationS, iterations, captureSizes}');
        // iterationS is signed: what a graph iteration costs beyond (or, negative, saves against) the tables.
        if (typeof g.iterationS !== 'number' || !Number.isFinite(g.iterationS)) fail(`enactment.${k}.cudaGraphs.iterationS`, 'a finite number (seconds; negative: graph iterations faster than their tables)');
        if (typeof g.iterations !== 'number' || !Number.isInteger(g.iterations) || g.iterations < 0) fail(`enactment.${k}.cudaGraphs.iterations`, 'an integer >= 0');
        increasing(g.captureSizes, `enactment.${k}.cudaGraphs.captureSizes`, fail);
      }
    }
  }
  if (p.derivedFrom !== undefined) checkDerivedFrom(p.derivedFrom, fail);
  return json as CalibrationProfile;
}

type Fail = (field: string, what: string) => never;

/** A table's optional provenance (the kernel, algorithm or variant that measured it): absent, or a non-empty name. */
function checkMeasuredWithName(name: unknown, field: string, noun: string, fail: Fail): void {
  if (name !== undefined && (typeof name !== 'string' || name.length === 0)) fail(field, `a non-empty ${noun} name`);
}

function increasing(xs: unknown, field: string, fail: Fail): number[] {
  if (!Array.isArray(xs) || xs.length === 0) return fail(field, 'a non-empty array of numbers');
  for (let i = 0; i < xs.length; i++) {
    if (typeof xs[i] !== 'number' || !(xs[i] >= 0)) fail(`${field}[${i}]`, 'a number >= 0');
    if (i > 0 && !(xs[i] > xs[i - 1])) fail(`${field}[${i}]`, `a value greater than ${field}[${i - 1}] (strictly increasing grid)`);
  }
  return xs as number[];
}

function times(ys: unknown, n: number, field: string, fail: Fail): void {
  if (!Array.isArray(ys) || ys.length !== n) fail(field, `an array of ${n} times`);
  (ys as unknown[]).forEach((y, i) => {
    if (typeof y !== 'number' || !Number.isFinite(y) || y < 0) fail(`${field}[${i}]`, 'a finite time >= 0 in seconds');
  });
}

function check1D(t: unknown, field: string, fail: Fail): asserts t is Table1D {
  if (typeof t !== 'object' || t === null) fail(field, 'a table {x, timeS, xName}');
  const v = t as Record<string, unknown>;
  const xs = increasing(v.x, `${field}.x`, fail);
  times(v.timeS, xs.length, `${field}.timeS`, fail);
}

function check2D(t: unknown, field: string, fail: Fail): asserts t is Table2D {
  if (typeof t !== 'object' || t === null) fail(field, 'a table {a, b, timeS, aName, bName}');
  const v = t as Record<string, unknown>;
  const a = increasing(v.a, `${field}.a`, fail);
  const b = increasing(v.b, `${field}.b`, fail);
  if (!Array.isArray(v.timeS) || v.timeS.length !== a.length) fail(`${field}.timeS`, `${a.length} rows`);
  (v.timeS as unknown[]).forEach((row, i) => times(row, b.length, `${field}.timeS[${i}]`, fail));
}

function checkShape(v: unknown, tp: number, fail: Fail): void {
  if (typeof v !== 'object' || v === null) fail('shape', 'an object {tp, hiddenSize, ffnSize, vocabSize, weightDtype, layers}');
  const s = v as Record<string, unknown>;
  if (s.tp !== tp) fail('shape.tp', `the profile's tp (${tp})`);
  for (const f of ['hiddenSize', 'ffnSize', 'vocabSize']) {
    if (typeof s[f] !== 'number' || !Number.isInteger(s[f]) || (s[f] as number) < 1) fail(`shape.${f}`, 'an integer >= 1');
  }
  if (typeof s.weightDtype !== 'string') fail('shape.weightDtype', 'a dtype name');
  if (!Array.isArray(s.layers) || s.layers.length === 0) fail('shape.layers', 'a non-empty array of {count, layer}');
  (s.layers as unknown[]).forEach((g, i) => {
    const o = g as { count?: unknown; layer?: { kind?: unknown } } | null;
    if (typeof o?.count !== 'number' || !Number.isInteger(o.count) || o.count < 1) fail(`shape.layers[${i}].count`, 'an integer >= 1');
    if (!['attention', 'mlstm', 'slstm'].includes(String(o?.layer?.kind))) fail(`shape.layers[${i}].layer.kind`, 'attention, mlstm or slstm');
  });
}

/** A predicted profile's provenance (kvsim calibrate scale): every field present, so no label can lose it. */
function checkDerivedFrom(v: unknown, fail: Fail): void {
  if (typeof v !== 'object' || v === null) fail('derivedFrom', 'an object {profile, card, gpu, date, rule, ceilings, kept}');
  const d = v as Record<string, unknown>;
  for (const f of ['profile', 'card', 'gpu', 'date', 'rule', 'kept']) {
    if (typeof d[f] !== 'string' || (d[f] as string).length === 0) fail(`derivedFrom.${f}`, 'a non-empty string');
  }
  const c = d.ceilings as Record<string, Record<string, unknown>> | undefined;
  if (typeof c !== 'object' || c === null) fail('derivedFrom.ceilings', 'an object {from, to}');
  for (const side of ['from', 'to']) {
    const k = c![side];
    const field = `derivedFrom.ceilings.${side}`;
    if (typeof k !== 'object' || k === null) fail(field, 'an object of ceilings');
    for (const f of ['gpu', 'bandwidthSource', 'flopsSource']) if (typeof k[f] !== 'string' || (k[f] as string).length === 0) fail(`${field}.${f}`, 'a non-empty string');
    for (const f of ['bandwidthBytesPerS', 'flopsPerS']) if (typeof k[f] !== 'number' || !Number.isFinite(k[f] as number) || (k[f] as number) <= 0) fail(`${field}.${f}`, 'a finite number > 0');
    if (k.interconnectBytesPerS !== undefined && !(typeof k.interconnectBytesPerS === 'number' && k.interconnectBytesPerS > 0)) fail(`${field}.interconnectBytesPerS`, 'a number > 0');
    if (k.interconnectSource !== undefined && typeof k.interconnectSource !== 'string') fail(`${field}.interconnectSource`, 'a string');
  }
}
