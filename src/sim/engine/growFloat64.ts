/** A copy of `a` with room for at least `n` values (doubling). */
export function growFloat64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  let c = Math.max(16, a.length);
  while (c < n) c *= 2;
  const b = new Float64Array(c);
  b.set(a);
  return b;
}
