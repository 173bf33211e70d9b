import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package version, read once from package.json (two levels above src/sim/engine and dist/sim/engine). */
export function kvsimVersion(): string {
  if (cached === undefined) {
    try {
      const url = new URL('../../../package.json', import.meta.url);
      cached = String((JSON.parse(readFileSync(url, 'utf8')) as { version?: unknown }).version ?? 'unknown');
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
