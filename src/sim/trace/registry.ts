import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TraceFormat } from './TraceFormat.js';
import { TraceSourceError } from './TraceSourceError.js';

/** A public trace kvsim knows by name (traces/registry.json). */
export interface TraceRegistryEntry {
  name: string;
  /** Where `kvsim trace fetch` downloads it from. */
  url: string;
  /** File name in the cache directory (and the last part of `url`). */
  file: string;
  /** Lower-case hex SHA-256 of the file as published. */
  sha256: string;
  sizeBytes: number;
  format: TraceFormat;
  requests: number;
  description: string;
  license: string;
  attribution: string;
}

let cached: Record<string, TraceRegistryEntry> | undefined;

/** The registry, read once from traces/registry.json at the package root. */
export function traceRegistry(): Readonly<Record<string, TraceRegistryEntry>> {
  if (!cached) {
    const json = JSON.parse(readFileSync(registryPath(), 'utf8')) as { traces: TraceRegistryEntry[] };
    cached = Object.fromEntries(json.traces.map((t) => [t.name, t]));
  }
  return cached;
}

export function traceRegistryNames(): string[] {
  return Object.keys(traceRegistry());
}

/** traces/registry.json, found by walking up from this module (src/ in development, dist/ once built). */
function registryPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'traces', 'registry.json');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error('traces/registry.json not found above the kvsim module; the package is incomplete');
}

/** Where fetched traces live: `$KVSIM_CACHE/traces`, default `~/.cache/kvsim/traces`. */
export function traceCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const root = env.KVSIM_CACHE && env.KVSIM_CACHE.length > 0 ? env.KVSIM_CACHE : join(homedir(), '.cache', 'kvsim');
  return join(root, 'traces');
}

/**
 * The local file of a registry trace: `$KVSIM_TRACE_DIR/<file>` when that variable points at a
 * directory holding it (a shared copy for tests and benchmarks), else the cache. Absent from both:
 * an error telling the user to fetch it.
 */
export function registryTracePath(entry: TraceRegistryEntry, env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.KVSIM_TRACE_DIR) {
    const shared = join(env.KVSIM_TRACE_DIR, entry.file);
    if (existsSync(shared)) return shared;
  }
  const inCache = join(traceCacheDir(env), entry.file);
  if (existsSync(inCache)) return inCache;
  throw new TraceSourceError(
    'TRACE_NOT_CACHED',
    `Trace "${entry.name}" is not downloaded yet: run \`kvsim trace fetch ${entry.name}\` (it goes to ${traceCacheDir(env)})`,
  );
}
