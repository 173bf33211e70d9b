/** A copy of `a` at least `minLength` long (doubling), new entries set to `fill`. */
export function growInt32(a: Int32Array<ArrayBuffer>, minLength: number, fill = 0): Int32Array<ArrayBuffer> {
  if (a.length >= minLength) return a;
  let n = Math.max(16, a.length);
  while (n < minLength) n *= 2;
  const next = new Int32Array(n);
  if (fill !== 0) next.fill(fill, a.length);
  next.set(a);
  return next;
}
