import { UserError } from '../errors.js';

/**
 * yargs drops an option given without a value (`--rate` at the end, or `--rate --json x`) and gives a
 * string option `''`: the run would go on with the default, silently. This finds such flags in the raw
 * arguments: a `--name` (no `=`) whose parsed value is missing, empty or NaN, though the command knows it
 * as taking a value.
 */
export function checkMissingValues(rawArgs: readonly string[], argv: Record<string, unknown>, valueFlags: ReadonlySet<string>): void {
  for (let i = 0; i < rawArgs.length; i++) {
    const token = rawArgs[i];
    if (token === '--') break;
    const m = /^--?([^=]+)$/.exec(token);
    if (!m || !valueFlags.has(m[1])) continue;
    const next = rawArgs[i + 1];
    const nextIsValue = next !== undefined && (!next.startsWith('-') || /^-\d|^-\.\d/.test(next));
    const v = argv[m[1]];
    const empty = v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v)) || (Array.isArray(v) && v.length === 0);
    if (!nextIsValue || empty) throw new UserError('USAGE', `Option ${token} needs a value (e.g. ${token} ${example(m[1])})`);
  }
}

function example(name: string): string {
  if (/json|csv|report|output|out|^o$|runs|profile/.test(name)) return 'FILE';
  if (/trace|from/.test(name)) return 'FILE_OR_NAME';
  return 'VALUE';
}

/**
 * yargs turns a single-valued option given twice (`--gpu a100 --gpu h200`) into an array, which the
 * command would then misread. kvsim takes one value: the repeat is a one-line error naming the flag.
 */
export function checkRepeated(argv: Record<string, unknown>, singleValued: ReadonlySet<string>): void {
  for (const key of singleValued) {
    const v = argv[key];
    if (Array.isArray(v)) throw new UserError('USAGE', `Option --${key} was given ${v.length} times (${v.map((x) => JSON.stringify(x)).join(', ')}); give it once`);
  }
}
