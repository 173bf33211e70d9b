import { UserError } from '../../errors.js';

/**
 * A trace file the readers cannot accept. The message always starts with `file:line: field:` (line
 * and field left out only when the problem is the whole file, e.g. an empty one), so the user can
 * jump straight to the offending byte.
 */
export class TraceParseError extends UserError {
  /** The file as the user named it. */
  readonly file: string;
  /** 1-based line number, undefined for whole-file problems. */
  readonly line: number | undefined;
  /** Column or JSON field at fault, undefined when the whole row or file is at fault. */
  readonly field: string | undefined;
  /** The reason alone, without the location prefix (what `--skip-invalid` reports). */
  readonly reason: string;

  constructor(file: string, line: number | undefined, field: string | undefined, reason: string) {
    super('TRACE_PARSE', `${file}${line === undefined ? '' : `:${line}`}: ${field === undefined ? '' : `${field}: `}${reason}`);
    this.file = file;
    this.line = line;
    this.field = field;
    this.reason = reason;
  }
}
