/** Edit distance (insert, delete, substitute: 1 each), for "did you mean". */
function distance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/**
 * The known flag closest to `name` (both without dashes), or undefined when none is close enough to be
 * a plausible typo: at most a third of the longer name's letters apart, or one name containing the other
 * (`--rate` for `--request-rate-x`). Ties go to the first in `known`, so the answer is stable.
 */
export function closestFlag(name: string, known: readonly string[]): string | undefined {
  const n = name.toLowerCase();
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    if (k.length <= 1) continue;
    const d = distance(n, k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(n.length, best.length) / 3));
  if (bestD <= limit) return best;
  const contained = known.find((k) => k.length > 2 && (n.includes(k.toLowerCase()) || k.toLowerCase().includes(n)) && n.length > 2);
  return contained;
}
