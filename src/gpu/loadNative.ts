import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NATIVE_ABI_VERSION, type NativeBinding } from './NativeBinding.js';

/** The addon, or why it could not be loaded and what to do about it. */
export type NativeLoadResult =
  | { ok: true; binding: NativeBinding; path: string }
  | { ok: false; reason: string; fix: string; tried: string[] };

/** Environment variable naming an addon file to load before the build folder's. */
export const NATIVE_PATH_ENV = 'KVSIM_NATIVE_PATH';

const REBUILD_FIX = 'rebuild it for this Node with `npm run build:native` (or point $KVSIM_NATIVE_PATH at a good build)';
const BUILD_FIX = 'run `npm run build:native` (needs cmake >= 3.24 and the CUDA toolkit with nvcc; see README "GPU backend")';

// src/gpu/ and dist/gpu/ are both two folders below the package root.
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the addon is looked for, in order: $KVSIM_NATIVE_PATH, then cmake-js's Release and Debug outputs. */
export function nativeCandidates(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const out: string[] = [];
  const explicit = env[NATIVE_PATH_ENV];
  if (explicit) out.push(resolve(explicit));
  out.push(join(PACKAGE_ROOT, 'build', 'Release', 'kvsim_native.node'));
  out.push(join(PACKAGE_ROOT, 'build', 'Debug', 'kvsim_native.node'));
  return out;
}

let cached: NativeLoadResult | undefined;

/**
 * Loads the native addon (from {@link nativeCandidates} unless `candidates` is given). Never throws:
 * a missing or broken build is a {@link NativeLoadResult} with a one-line reason and fix. The default
 * lookup happens once per process; Node cannot unload an addon anyway.
 */
export function loadNative(candidates?: string[]): NativeLoadResult {
  if (candidates) return tryLoad(candidates);
  cached ??= tryLoad(nativeCandidates());
  return cached;
}

function tryLoad(candidates: string[]): NativeLoadResult {
  const require = createRequire(import.meta.url);
  const present = candidates.filter((p) => existsSync(p));
  if (present.length === 0) {
    return { ok: false, reason: `the native addon is not built (no ${candidates.map(shortPath).join(', ')})`, fix: BUILD_FIX, tried: candidates };
  }
  const failures: string[] = [];
  for (const path of present) {
    try {
      const binding = require(path) as NativeBinding;
      if (binding.abiVersion !== NATIVE_ABI_VERSION) {
        failures.push(`${shortPath(path)} is a stale build (abi ${String(binding.abiVersion)}, expected ${NATIVE_ABI_VERSION})`);
        continue;
      }
      return { ok: true, binding, path };
    } catch (err) {
      failures.push(`${shortPath(path)} failed to load (${firstLine(err)})`);
    }
  }
  return { ok: false, reason: `the native addon could not be loaded: ${failures.join('; ')}`, fix: REBUILD_FIX, tried: candidates };
}

function shortPath(p: string): string {
  return p.startsWith(PACKAGE_ROOT) ? p.slice(PACKAGE_ROOT.length + 1) : p;
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0];
}
