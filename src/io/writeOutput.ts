import { randomBytes } from 'node:crypto';
import { close, createWriteStream, fsync, open as openFd } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { checkOutputPath, checkReplaceable } from './checkOutputPath.js';
import { outputError } from './outputError.js';
import { releaseTemp, trackTemp } from './pendingTemps.js';

/** Options of `writeOutput`. */
export interface WriteOutputOptions {
  /**
   * The flag or name the path came from, used in error messages (`--json r.json: cannot write ...`).
   * @defaultValue 'output'
   */
  option?: string;
  /**
   * Gzip the bytes on the way to the file.
   * @defaultValue true when the path ends in `.gz`
   */
  gzip?: boolean;
}

/**
 * The one way kvsim writes a file. Bytes stream into a temporary file beside the target (same
 * directory, so the final rename is atomic), which is fsynced and then renamed over the target. So a
 * reader sees the old file or the complete new one, never a truncated one: on any error — a full disk,
 * a write that throws, SIGINT/SIGTERM — the temporary file is removed and the old file stays.
 * Only a regular file (or nothing) is ever replaced; a directory, symlink, FIFO or device at the target
 * is a one-line error. `write` gets a Writable (gzip-compressing when asked) and must only write to it.
 */
export async function writeOutput<T>(path: string, write: (out: Writable) => Promise<T> | T, options: WriteOutputOptions = {}): Promise<T> {
  const option = options.option ?? 'output';
  checkOutputPath(path, option);
  const temp = join(dirname(resolve(path)), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // A plain fd, not a FileHandle: FileHandle.close() waits for streams made from it to let go, which a
  // stream with autoClose off never does.
  let fd: number | undefined;
  try {
    fd = await promisify(openFd)(temp, 'wx', 0o644);
  } catch (err) {
    throw outputError(option, path, err);
  }
  trackTemp(temp);
  const file = createWriteStream('', { fd, autoClose: false });
  const gzip = (options.gzip ?? path.endsWith('.gz')) ? createGzip() : undefined;
  if (gzip) gzip.pipe(file);
  const out: Writable = gzip ?? file;
  // An error on either stream (ENOSPC) must reject the write, not surface later as an unhandled event.
  let streamError: unknown;
  const remember = (err: unknown) => {
    streamError ??= err;
  };
  file.on('error', (err) => {
    remember(err);
    // A piped gzip would otherwise keep buffering and never drain: pass the failure up to the writer.
    gzip?.destroy(err);
  });
  gzip?.on('error', remember);
  // A write to a stream that already failed neither throws nor emits again, so a writer waiting for
  // 'drain' after it would wait forever: once failed, every further write throws the failure.
  const write0 = out.write.bind(out) as (...a: unknown[]) => boolean;
  out.write = ((...a: unknown[]) => {
    if (streamError !== undefined) throw streamError;
    return write0(...a);
  }) as typeof out.write;
  try {
    const result = await write(out);
    if (streamError !== undefined) throw streamError;
    out.end();
    // 'finish', not stream.finished(): with autoClose off the stream never emits 'close', which
    // finished() would wait for; the handle is fsynced and closed here instead.
    await new Promise<void>((resolve, reject) => {
      if (file.writableFinished) return resolve();
      file.once('finish', resolve);
      file.once('error', reject);
    });
    if (streamError !== undefined) throw streamError;
    await promisify(fsync)(fd);
    const closing = fd;
    fd = undefined;
    await promisify(close)(closing);
    // The target may have changed since the check before the run (long runs): check again right before.
    checkReplaceable(path, option);
    await rename(temp, path);
    releaseTemp(temp);
    await syncDir(dirname(resolve(path)));
    return result;
  } catch (err) {
    file.destroy();
    gzip?.destroy();
    // A failed write is the output's; any other error (a bad input row, a bug) keeps its own message.
    if (streamError !== undefined || isSystemError(err)) throw outputError(option, path, streamError ?? err);
    throw err;
  } finally {
    if (fd !== undefined) await promisify(close)(fd).catch(() => {});
    await rm(temp, { force: true }).catch(() => {});
    releaseTemp(temp);
  }
}

/** Makes the rename durable (best effort: some file systems refuse fsync on a directory). */
async function syncDir(dir: string): Promise<void> {
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // not supported here; the data itself was fsynced
  }
}

function isSystemError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}
