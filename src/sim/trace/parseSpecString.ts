import { expected, InvalidOptionError } from '../../errors.js';

/** `KIND[:VALUE | :key=value,key=value]` split apart; `trace:` keeps everything after it verbatim. */
export interface SpecString {
  kind: string;
  /** A lone value without `=` (e.g. `fixed:512`), or the source of `trace:...`. */
  positional: string | undefined;
  params: Map<string, string>;
}

/** Splits a CLI spec such as `gamma:cv=2,rate=4`, `fixed:512` or `trace:conv.csv`. */
export function parseSpecString(text: string, optionName: string): SpecString {
  const colon = text.indexOf(':');
  const kind = (colon < 0 ? text : text.slice(0, colon)).trim().toLowerCase();
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  const params = new Map<string, string>();
  if (kind === 'trace') return { kind, positional: rest, params };
  let positional: string | undefined;
  if (rest.length > 0) {
    for (const part of rest.split(',')) {
      const eq = part.indexOf('=');
      if (eq < 0) {
        if (positional !== undefined || params.size > 0) throw expected('key=value pairs after the first value', optionName, text);
        positional = part.trim();
      } else {
        const key = part.slice(0, eq).trim().toLowerCase();
        if (params.has(key)) throw new InvalidOptionError(`${optionName}: "${key}" is given twice in ${JSON.stringify(text)}`);
        params.set(key, part.slice(eq + 1).trim());
      }
    }
  }
  return { kind, positional, params };
}

/** Reads one numeric parameter of a spec, or undefined when absent. */
export function specNumber(spec: SpecString, key: string, optionName: string): number | undefined {
  const raw = spec.params.get(key);
  if (raw === undefined) return undefined;
  const value = raw.length > 0 ? Number(raw) : NaN;
  if (!Number.isFinite(value)) throw expected(`a number for ${key}`, optionName, raw);
  return value;
}

/** Rejects keys a spec kind does not know, naming the ones it does. */
export function checkSpecKeys(spec: SpecString, allowed: readonly string[], optionName: string): void {
  for (const key of spec.params.keys()) {
    if (!allowed.includes(key)) {
      throw new InvalidOptionError(`${optionName}: unknown parameter "${key}" for ${spec.kind} (expected ${allowed.join(', ') || 'none'})`);
    }
  }
}
