/** Throws with `message` (and the two values) unless they are identical: the GPU checks' one assertion. */
export function checkEqual<T>(actual: T, expected: T, message: string): void {
  if (!Object.is(actual, expected)) throw new Error(`${message}: got ${String(actual)}, expected ${String(expected)}`);
}

export function checkTrue(cond: boolean, message: string): void {
  if (!cond) throw new Error(message);
}
