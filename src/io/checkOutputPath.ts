import { accessSync, constants, lstatSync, type Stats, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../errors.js';

/**
 * Checks, before any long work starts, that `path` can be written the way `writeOutput` writes: its
 * directory exists, is a directory and is writable, and the path itself is either absent or a regular
 * file (never a directory, symlink, FIFO or device: replacing one of those by renaming a temporary file
 * over it would silently change what the name is). Throws a one-line UserError naming `option`.
 */
export function checkOutputPath(path: string, option: string): void {
  if (typeof path !== 'string' || path.length === 0) throw new UserError('OUTPUT', `${option} needs a file path`);
  const dir = dirname(resolve(path));
  let dirStat: Stats;
  try {
    dirStat = statSync(dir);
  } catch {
    throw new UserError('OUTPUT', `${option} ${path}: directory ${dir} does not exist; create it first`);
  }
  if (!dirStat.isDirectory()) throw new UserError('OUTPUT', `${option} ${path}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UserError('OUTPUT', `${option} ${path}: directory ${dir} is not writable`);
  }
  checkReplaceable(path, option);
}

/** Throws unless `path` is absent or a regular file (what a rename may replace). */
export function checkReplaceable(path: string, option: string): void {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return; // absent: fine
  }
  if (st.isFile()) return;
  const what = st.isDirectory() ? 'a directory' : st.isSymbolicLink() ? 'a symbolic link' : st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
  throw new UserError('OUTPUT', `${option} ${path}: is ${what}; kvsim replaces only regular files (name a new file)`);
}

/**
 * Checks that `dir` can hold output files: it is a writable directory, or it does not exist yet and its
 * nearest existing ancestor is a writable directory (it is then created with mkdir -p). A file anywhere
 * on the way (e.g. `$KVSIM_CACHE` naming a file) is a one-line error naming `option`.
 */
export function checkOutputDir(dir: string, option: string): void {
  if (typeof dir !== 'string' || dir.length === 0) throw new UserError('OUTPUT', `${option} needs a directory path`);
  let at = resolve(dir);
  for (;;) {
    let st: Stats | undefined;
    try {
      st = statSync(at);
    } catch {
      st = undefined; // absent (or under a file: the walk up finds that file)
    }
    if (st !== undefined) {
      if (!st.isDirectory()) throw new UserError('OUTPUT', `${option} ${dir}: ${at} is not a directory`);
      try {
        accessSync(at, constants.W_OK);
      } catch {
        throw new UserError('OUTPUT', `${option} ${dir}: directory ${at} is not writable`);
      }
      return;
    }
    const up = dirname(at);
    if (up === at) return;
    at = up;
  }
}
