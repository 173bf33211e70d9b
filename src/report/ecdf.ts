/**
 * Empirical CDF of the finite values as step points `[value, fraction <= value]`, thinned to at most
 * `maxPoints` evenly spaced ranks (always keeping the smallest and largest value). Pure.
 */
export function ecdf(values: readonly number[], maxPoints = 400): [number, number][] {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return [];
  const points: [number, number][] = [];
  const step = Math.max(1, Math.ceil(n / maxPoints));
  for (let rank = 1; rank <= n; rank += step) points.push([sorted[rank - 1], rank / n]);
  if (points[points.length - 1][1] !== 1) points.push([sorted[n - 1], 1]);
  return points;
}
