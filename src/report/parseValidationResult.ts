import { isObject, typeName } from './parseRunResult.js';
import { ReportInputError } from './ReportInputError.js';
import type { ValidationResult } from './ValidationResult.js';

/** Checks that `json` (parsed from `source`) is a `kvsim.validation/1` file and returns it typed. */
export function parseValidationResult(json: unknown, source: string): ValidationResult {
  const fail = (msg: string): never => {
    throw new ReportInputError(source, msg);
  };
  if (!isObject(json)) return fail(`expected a kvsim validation JSON object but found ${typeName(json)}`);
  if (json.schema !== 'kvsim.validation/1') return fail(`expected "schema": "kvsim.validation/1" but found ${JSON.stringify(json.schema) ?? 'no schema'}`);
  for (const key of ['card', 'model', 'policy', 'trace'] as const) {
    if (typeof json[key] !== 'string') fail(`expected a string at "${key}" but found ${typeName(json[key])}`);
  }
  const it = json.iterations;
  if (!isObject(it)) return fail(`expected an object at "iterations" but found ${typeName(it)}`);
  for (const key of ['simS', 'gpuS'] as const) {
    const col = it[key];
    if (!Array.isArray(col) || col.some((v) => typeof v !== 'number')) fail(`expected an array of numbers at "iterations.${key}"`);
  }
  if ((it.simS as number[]).length !== (it.gpuS as number[]).length) {
    fail(`expected "iterations.simS" and "iterations.gpuS" to pair up but they have ${(it.simS as number[]).length} and ${(it.gpuS as number[]).length} entries`);
  }
  return json as unknown as ValidationResult;
}
