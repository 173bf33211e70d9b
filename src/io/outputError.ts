import { UserError } from '../errors.js';

/** Why a file could not be written, in words (the errno code stays in the message for searching). */
const REASONS: Record<string, string> = {
  ENOENT: 'its directory does not exist',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'the file is too large for the file system',
  EEXIST: 'a file of that name appeared while writing',
  ENAMETOOLONG: 'the name is too long',
  EIO: 'an I/O error',
  EMFILE: 'too many open files',
  EXDEV: 'the temporary file and the target are on different file systems',
};

/**
 * The one-line error for a file kvsim could not write: `<option> <path>: cannot write (<reason>, <CODE>)`.
 * `option` names the flag the path came from (e.g. `--json`), so the user knows which one to fix.
 */
export function outputError(option: string, path: string, err: unknown): UserError {
  if (err instanceof UserError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === undefined ? String((err as Error | undefined)?.message ?? err).split('\n')[0] : `${REASONS[code] ?? 'system error'}, ${code}`;
  return new UserError('OUTPUT', `${option} ${path}: cannot write (${reason}); nothing was written there`);
}
