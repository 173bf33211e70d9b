import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { RunResult } from '../sim/metrics/RunResult.js';
import { parseRunResult, isObject } from './parseRunResult.js';
import { parseValidationResult } from './parseValidationResult.js';
import { ReportInputError } from './ReportInputError.js';
import type { ValidationResult } from './ValidationResult.js';

/** Reads and parses a JSON file (gzip when it ends in .gz), turning I/O and syntax errors into one-line user errors. */
export function readJsonFile(path: string): unknown {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ReportInputError(path, code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(err)})`);
  }
  let text: string;
  try {
    text = (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch {
    throw new ReportInputError(path, 'expected gzip data (the name ends in .gz) but it does not decompress');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ReportInputError(path, `expected JSON but it does not parse: ${(err as Error).message}`);
  }
}

/**
 * The runs in one replay file: a single `kvsim.run/1` object, an array of them, or `{ "runs": [...] }`
 * (a replay of several policies). Array elements are named `FILE[i]` in errors.
 */
export function readRunResults(path: string): RunResult[] {
  const json = readJsonFile(path);
  const list = Array.isArray(json) ? json : isObject(json) && Array.isArray(json.runs) ? json.runs : undefined;
  if (list === undefined) return [parseRunResult(json, path)];
  if (list.length === 0) throw new ReportInputError(path, 'expected at least one run but the list is empty');
  return list.map((run, i) => parseRunResult(run, `${path}[${i}]`));
}

/** The validation sets in one file: one `kvsim.validation/1` object or an array of them. */
export function readValidationResults(path: string): ValidationResult[] {
  const json = readJsonFile(path);
  const list = Array.isArray(json) ? json : [json];
  return list.map((v, i) => parseValidationResult(v, Array.isArray(json) ? `${path}[${i}]` : path));
}
