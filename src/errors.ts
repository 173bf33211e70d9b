/**
 * Every error kvsim raises on purpose. `UserError`s are the user's to fix (bad file, bad option):
 * the CLI prints their one-line message and exits 2. Anything else is a bug: exit 1.
 */
export class KvsimError extends Error {
  /** Stable machine-readable code, e.g. `TRACE_PARSE`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A mistake in the user's input: option, file or data. Exit code 2. */
export class UserError extends KvsimError {}

/** An option or argument has an invalid value. */
export class InvalidOptionError extends UserError {
  constructor(message: string) {
    super('INVALID_OPTION', message);
  }
}

/**
 * The one error factory for option validation, in the form users learn to read:
 * `Expected <what> for <name> but received <value>`.
 */
export function expected(what: string, name: string, value: unknown): InvalidOptionError {
  return new InvalidOptionError(`Expected ${what} for ${name} but received ${formatValue(value)}`);
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Asserts `value` is an integer in [min, max]. */
export function checkInt(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw expected(`an integer ${range}`, name, value);
  }
  return value;
}

/** Asserts `value` is a finite number in [min, max]. */
export function checkNumber(name: string, value: unknown, min: number, max = Number.POSITIVE_INFINITY): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `in [${min}, ${max}]`;
    throw expected(`a finite number ${range}`, name, value);
  }
  return value;
}
