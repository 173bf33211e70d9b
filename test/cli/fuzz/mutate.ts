/** A seeded source of numbers in [0, 1) (seedrandom's alea). */
export type Rng = () => number;

export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)];
export const int = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));

/** Tokens a hostile or careless trace might hold where a number or a separator belongs. */
const NASTY = ['-1', '0', '1e309', 'NaN', 'Infinity', '9007199254740993', '4294967306', '1e12', '2147483648', '0.5', '-0', '""', '"', ',', ',,', '\n', '\r\n', '\t', ' ', 'null', 'true', '{}', '[]', '{"a":', '\u0000', '\uFEFF', 'é', '1,2', '2023-11-16 18:15:46.6805900', '2023-13-45 99:99:99', '99999999999999999999999'];

/**
 * One to four byte-level mutations of `text`: flip a character, delete or duplicate a span, insert a
 * nasty token, truncate, or (rarely) nest brackets 100,000 deep (the error formatter must not overflow).
 */
export function mutateText(rng: Rng, text: string): string {
  let s = text;
  const n = int(rng, 1, 4);
  for (let k = 0; k < n; k++) {
    const at = int(rng, 0, Math.max(0, s.length - 1));
    switch (int(rng, 0, 7)) {
      case 0:
        s = s.slice(0, at) + String.fromCharCode(int(rng, 0, 127)) + s.slice(at + 1);
        break;
      case 1:
        s = s.slice(0, at) + s.slice(at + int(rng, 1, 40));
        break;
      case 2: {
        const len = int(rng, 1, 80);
        s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at);
        break;
      }
      case 3:
      case 4:
        s = s.slice(0, at) + pick(rng, NASTY) + s.slice(at);
        break;
      case 5:
        s = s.slice(0, at);
        break;
      case 6: {
        // Replace one number with a nasty token.
        const m = /\d+(\.\d+)?/g;
        const all = [...s.matchAll(m)];
        if (all.length > 0) {
          const hit = pick(rng, all);
          s = s.slice(0, hit.index) + pick(rng, NASTY) + s.slice((hit.index ?? 0) + hit[0].length);
        }
        break;
      }
      default:
        if (rng() < 0.05) s = s.slice(0, at) + '['.repeat(100_000) + s.slice(at);
        else s = s.slice(0, at) + s.slice(at).replace(/\n/, '\n\n');
    }
  }
  return s;
}

/** A JSON-level mutation: one value somewhere in `value` replaced by a value of another type, or a key removed. */
export function mutateJson(rng: Rng, value: unknown): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  const replacements: unknown[] = [null, 0, -1, 1e308, 'x', '', true, [], {}, [1, 2, 3], { p50: 'a' }, Number.MAX_SAFE_INTEGER];
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[], depth: number) => {
    if (depth > 4) return;
    paths.push(path);
    if (Array.isArray(v)) {
      if (v.length > 0) walk(v[int(rng, 0, v.length - 1)], [...path, int(rng, 0, v.length - 1)], depth + 1);
    } else if (v !== null && typeof v === 'object') {
      for (const k of Object.keys(v)) walk((v as Record<string, unknown>)[k], [...path, k], depth + 1);
    }
  };
  walk(copy, [], 0);
  const path = pick(rng, paths.filter((p) => p.length > 0));
  if (!path) return pick(rng, replacements);
  let parent: unknown = copy;
  for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[key];
  const last = path[path.length - 1];
  if (parent === null || typeof parent !== 'object') return copy;
  if (rng() < 0.25 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[last as string];
  else (parent as Record<string | number, unknown>)[last] = pick(rng, replacements);
  return copy;
}
