import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { UserError } from '../errors.js';
import { parseSize } from '../cli/parseArgs.js';
import { sweepOption, SWEEP_OPTIONS, type SweepOption, type SweepValue } from './sweepOptions.js';
import { DEFAULT_SLO_TOLERANCE, type SloLimit, type SloSearchSpec, type SweepSpec } from './SweepSpec.js';

/** A spec mistake, located: `spec.yaml:12: Expected ... for grid.rate but received ...`. */
export class SweepSpecError extends UserError {
  constructor(message: string) {
    super('SWEEP_SPEC', message);
  }
}

const LIMIT_KEY = /^(ttft|tbt|e2e)-(mean|p50|p90|p99|max)-ms$/;

/** Reads and checks a sweep spec (YAML, or JSON, which YAML 1.2 reads as well). */
export function readSweepSpec(path: string): SweepSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError('SWEEP_SPEC', `Cannot read sweep spec ${path}: ${(err as Error).message}`);
  }
  return parseSweepSpec(text, path);
}

/** Parses spec text; `file` names it in errors. */
export function parseSweepSpec(text: string, file: string): SweepSpec {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const at = (node: YamlNode | null | undefined) => (node?.range ? `${file}:${lines.linePos(node.range[0]).line}` : file);
  const fail = (node: YamlNode | null | undefined, what: string, name: string, value: unknown): never => {
    throw new SweepSpecError(`${at(node)}: Expected ${what} for ${name} but received ${show(value)}`);
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new SweepSpecError(`${file}:${e.linePos?.[0].line ?? 1}: ${e.message.split('\n')[0]}`);
  }
  const root = doc.contents;
  if (!isMap(root)) return fail(root, 'a mapping with grid (and optionally name, runs, slo)', 'the spec', doc.toJS());
  const spec: SweepSpec = { name: basename(file, extname(file)), grid: new Map(), runs: true, slo: [] };
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value as YamlNode | null;
    if (key === 'name') {
      if (!isScalar(value) || typeof value.value !== 'string' || value.value === '') fail(value, 'a non-empty string', 'name', value?.toJSON());
      spec.name = String((value as { value: string }).value);
    } else if (key === 'runs') {
      if (!isScalar(value) || typeof value.value !== 'boolean') fail(value, 'true or false', 'runs', value?.toJSON());
      spec.runs = (value as { value: boolean }).value;
    } else if (key === 'grid') {
      if (!isMap(value)) fail(value, 'a mapping of option: value or [values]', 'grid', value?.toJSON());
      for (const p of (value as { items: { key: unknown; value: unknown }[] }).items) {
        const name = isScalar(p.key) ? String(p.key.value) : '';
        const option = sweepOption(name);
        if (!option) fail(p.key as YamlNode, `one of ${SWEEP_OPTIONS.map((o) => o.name).join(', ')}`, 'a grid option', name);
        const node = p.value as YamlNode | null;
        const items = isSeq(node) ? (node.items as YamlNode[]) : [node];
        if (items.length === 0) fail(node, 'at least one value', `grid.${name}`, []);
        const values: SweepValue[] = [];
        for (const item of items) {
          const v = isScalar(item) ? item.value : item?.toJSON();
          values.push(checkValue(v, option!, (what) => fail(item, what, `grid.${name}`, v)));
        }
        const dup = values.find((v, i) => values.indexOf(v) !== i);
        if (dup !== undefined) fail(node, 'distinct values', `grid.${name}`, dup);
        spec.grid.set(name, values);
      }
    } else if (key === 'slo') {
      const items = isSeq(value) ? (value.items as YamlNode[]) : [value];
      for (const item of items) spec.slo.push(readSlo(item, spec.slo.length, fail));
      const names = spec.slo.map((s) => s.name);
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup !== undefined) fail(value, 'distinct SLO names', 'slo', dup);
    } else {
      fail(pair.key as YamlNode, 'one of name, grid, runs, slo', 'a top-level key', key);
    }
  }
  if (!spec.runs && spec.slo.length === 0) fail(root, 'at least one slo block when runs is false', 'slo', []);
  return spec;
}

type Fail = (node: YamlNode | null | undefined, what: string, name: string, value: unknown) => never;

function readSlo(node: YamlNode | null, index: number, fail: Fail): SloSearchSpec {
  const where = `slo[${index}]`;
  if (!isMap(node)) return fail(node, 'a mapping with name, limits like ttft-p99-ms, rate-min, rate-max', where, node?.toJSON());
  const slo: SloSearchSpec = { name: `slo${index + 1}`, limits: [], rateMinPerS: NaN, rateMaxPerS: NaN, tolerance: DEFAULT_SLO_TOLERANCE };
  for (const p of node.items) {
    const key = isScalar(p.key) ? String(p.key.value) : '';
    const v = p.value as YamlNode | null;
    const raw = isScalar(v) ? v.value : v?.toJSON();
    const positive = (name: string) => (typeof raw === 'number' && Number.isFinite(raw) && raw > 0 ? raw : fail(v, 'a number > 0', `${where}.${name}`, raw));
    const m = LIMIT_KEY.exec(key);
    if (key === 'name') slo.name = typeof raw === 'string' && raw !== '' ? raw : fail(v, 'a non-empty string', `${where}.name`, raw);
    else if (key === 'rate-min') slo.rateMinPerS = positive(key);
    else if (key === 'rate-max') slo.rateMaxPerS = positive(key);
    else if (key === 'tolerance') slo.tolerance = typeof raw === 'number' && raw > 0 && raw < 1 ? raw : fail(v, 'a number in (0, 1)', `${where}.tolerance`, raw);
    else if (m) slo.limits.push({ metric: m[1] as SloLimit['metric'], stat: m[2] as SloLimit['stat'], maxMs: positive(key) });
    else fail(p.key as YamlNode, 'name, rate-min, rate-max, tolerance or a limit like ttft-p99-ms / tbt-p99-ms / e2e-p50-ms', `a key of ${where}`, key);
  }
  if (slo.limits.length === 0) fail(node, 'at least one limit such as ttft-p99-ms', where, node.toJSON());
  if (Number.isNaN(slo.rateMinPerS)) fail(node, 'rate-min (requests/s)', where, node.toJSON());
  if (Number.isNaN(slo.rateMaxPerS)) fail(node, 'rate-max (requests/s)', where, node.toJSON());
  if (slo.rateMaxPerS <= slo.rateMinPerS) fail(node, `rate-max above rate-min (${slo.rateMinPerS})`, `${where}.rate-max`, slo.rateMaxPerS);
  return slo;
}

function checkValue(v: unknown, option: SweepOption, bad: (what: string) => never): SweepValue {
  const floor = option.min ?? Number.NEGATIVE_INFINITY;
  switch (option.kind) {
    case 'int':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= floor ? v : bad(`an integer >= ${floor}`);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && (option.exclusive ? v > floor : v >= floor) ? v : bad(`a finite number ${option.exclusive ? '>' : '>='} ${floor}`);
    case 'size': {
      if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1) return v;
      if (typeof v !== 'string') return bad('a size like 64K, 2M, 8G or bytes');
      try {
        return parseSize(v, 'size');
      } catch {
        return bad('a size like 64K, 2M, 8G or bytes');
      }
    }
    case 'boolean':
      return typeof v === 'boolean' ? v : bad('true or false');
    default:
      // Commas would make one run's option a list again (replay splits --model/--policy on them).
      return typeof v === 'string' && v !== '' && !v.includes(',') ? v : typeof v === 'number' ? String(v) : bad('one name (lists go in [ ])');
  }
}

function show(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
