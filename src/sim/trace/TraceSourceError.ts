import { UserError } from '../../errors.js';

/**
 * A trace that cannot be opened or fetched: unknown name, missing file, not downloaded yet, a download
 * that failed or whose checksum does not match. `code` tells which:
 * TRACE_NOT_FOUND, TRACE_NOT_CACHED, TRACE_FETCH, TRACE_CHECKSUM.
 */
export class TraceSourceError extends UserError {}
