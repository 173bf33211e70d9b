import { checkNumber, expected } from '../errors.js';

/** The CLI's value parsers, one place for every command (and sweep specs, which take the same values). */

/** `a,b, c` as ['a', 'b', 'c']; an empty list is an error naming the option. */
export function parseList(name: string, text: string): string[] {
  const items = String(text).split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (items.length === 0) throw expected('a comma-separated list', name, text);
  return items;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3 };

/** `64K`, `64KiB`, `2M`, `2MiB`, `8G` or plain bytes (binary units: page sizes are powers of two). */
export function parseSize(item: string, name: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(item);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw expected('sizes like 64K, 2M or 65536', name, item);
  return Number(m[1]) * unit;
}

/** A memory amount (`8G`, `512M`, `8GiB` or bytes) of at least one byte. */
export function parseMemorySize(text: string, name: string): number {
  return checkNumber(name, parseSize(String(text), name), 1);
}
