import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkReplaceable } from '../../io/checkOutputPath.js';
import { releaseTemp, trackTemp } from '../../io/pendingTemps.js';
import { type TraceRegistryEntry, traceCacheDir, traceRegistry, traceRegistryNames } from './registry.js';
import { TraceSourceError } from './TraceSourceError.js';

/** Options of `fetchTrace`. */
export interface FetchTraceOptions {
  /**
   * Download from `<baseUrl>/<file>` instead of the registry URL (a mirror, or a local server in tests).
   * @defaultValue $KVSIM_TRACE_BASE_URL, else the registry's URL
   */
  baseUrl?: string;
  /**
   * Directory the trace is saved in.
   * @defaultValue traceCacheDir(): $KVSIM_CACHE/traces, else ~/.cache/kvsim/traces
   */
  cacheDir?: string;
  /**
   * Download again even when a verified copy is cached.
   * @defaultValue false
   */
  force?: boolean;
  /** Called as bytes arrive (total undefined when the server sends no length). */
  onProgress?: (receivedBytes: number, totalBytes: number | undefined) => void;
}

export interface FetchTraceResult {
  name: string;
  path: string;
  url: string;
  sizeBytes: number;
  sha256: string;
  /** True when a verified copy was already there and nothing was downloaded. */
  alreadyCached: boolean;
}

/**
 * Downloads a registry trace into the cache and verifies its SHA-256. The bytes go to a temporary
 * file in the same directory, renamed into place only once complete and verified, so an interrupted
 * or corrupt download never leaves a file under the trace's name (and never a temp file either).
 */
export async function fetchTrace(name: string, options: FetchTraceOptions = {}): Promise<FetchTraceResult> {
  const entry = traceRegistry()[name];
  if (!entry) {
    throw new TraceSourceError('TRACE_NOT_FOUND', `Unknown trace "${name}": expected one of ${traceRegistryNames().join(', ')}`);
  }
  const baseUrl = options.baseUrl ?? process.env.KVSIM_TRACE_BASE_URL;
  const url = baseUrl ? `${baseUrl.replace(/\/+$/, '')}/${entry.file}` : entry.url;
  const dir = options.cacheDir ?? traceCacheDir();
  const dest = join(dir, entry.file);
  const result = { name, path: dest, url, sizeBytes: entry.sizeBytes, sha256: entry.sha256 };
  if (!options.force && (await hashFile(dest)) === entry.sha256) return { ...result, alreadyCached: true };
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${entry.file}.${process.pid}.${randomBytes(4).toString('hex')}.part`);
  // Removed on SIGINT/SIGTERM too (src/io/pendingTemps.ts): an interrupted fetch leaves no .part file.
  trackTemp(temp);
  try {
    const got = await download(entry, url, temp, options.onProgress);
    if (got.sha256 !== entry.sha256) {
      throw new TraceSourceError(
        'TRACE_CHECKSUM',
        `Checksum mismatch for ${name} from ${url}: expected sha256 ${entry.sha256} but got ${got.sha256} (${got.bytes} bytes); nothing was saved`,
      );
    }
    // A symlink, FIFO or device under the trace's name is refused, never replaced by the rename.
    checkReplaceable(dest, `trace cache file`);
    await rename(temp, dest);
    return { ...result, sizeBytes: got.bytes, alreadyCached: false };
  } finally {
    await rm(temp, { force: true });
    releaseTemp(temp);
  }
}

async function download(entry: TraceRegistryEntry, url: string, temp: string, onProgress: FetchTraceOptions['onProgress']): Promise<{ sha256: string; bytes: number }> {
  const fail = (why: string) => new TraceSourceError('TRACE_FETCH', `Download of ${entry.name} from ${url} failed: ${why}; nothing was saved`);
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    throw fail(networkReason(err));
  }
  if (!response.ok || !response.body) throw fail(`HTTP ${response.status} ${response.statusText}`.trim());
  const lengthHeader = response.headers.get('content-length');
  const total = lengthHeader === null ? undefined : Number(lengthHeader);
  const hash = createHash('sha256');
  const file = await open(temp, 'wx');
  let bytes = 0;
  try {
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        await file.write(chunk);
        bytes += chunk.length;
        onProgress?.(bytes, total);
      }
    } catch (err) {
      throw fail(`transfer cut off after ${bytes} bytes (${networkReason(err)})`);
    }
    if (total !== undefined && Number.isFinite(total) && bytes !== total) throw fail(`received ${bytes} of ${total} bytes`);
    await file.sync();
  } finally {
    await file.close();
  }
  return { sha256: hash.digest('hex'), bytes };
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
}

/** SHA-256 of a file, or undefined when it does not exist. */
async function hashFile(path: string): Promise<string | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
