import { createHash } from 'node:crypto';
import { canonicalJson } from './canonicalJson.js';

/** Hex digits of a run id: 64 bits, so a million-run sweep collides with odds about 3e-8. */
const ID_HEX_DIGITS = 16;

/**
 * A run's stable id: the SHA-256 of its resolved configuration as canonical JSON. The same options give
 * the same id in any spec, order or shard; any change of an option that matters gives another.
 */
export function runId(resolved: unknown): string {
  return createHash('sha256').update(canonicalJson(resolved)).digest('hex').slice(0, ID_HEX_DIGITS);
}
