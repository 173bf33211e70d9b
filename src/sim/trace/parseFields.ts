/**
 * Field parsers shared by the trace readers. Each returns the value, or NaN when the text is not
 * acceptable, so the hot loop allocates nothing; the caller builds the error message.
 */

/**
 * A token count in `text` (or its part [start, end)): a positive integer written as digits,
 * optionally followed by `.0` (pandas floats), surrounding spaces allowed. Counts above
 * MAX_TRACE_TOKENS come back as they are (possibly rounded, possibly Infinity) so the caller can say
 * "too large" rather than "not an integer" (see tokenCountProblem).
 */
export function parseTokenCount(text: string, start = 0, end = text.length): number {
  let b = start;
  let n = end;
  while (b < n && text.charCodeAt(b) === 32) b++;
  while (n > b && text.charCodeAt(n - 1) === 32) n--;
  if (n === b) return NaN;
  let value = 0;
  let i = b;
  for (; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
  }
  if (i === b) return NaN;
  if (i < n) {
    if (text.charCodeAt(i) !== 46 || i === n - 1) return NaN;
    for (let j = i + 1; j < n; j++) if (text.charCodeAt(j) !== 48) return NaN;
  }
  if (value < 1) return NaN;
  return value;
}

/** Seconds: a finite, non-negative decimal number (exponent allowed; no hex, no Infinity, no blanks). */
export function parseSeconds(text: string): number {
  const s = text.trim();
  if (s.length === 0 || s.length > 64) return NaN;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45;
    if (!ok) return NaN;
  }
  const v = Number(s);
  return Number.isFinite(v) && v >= 0 ? v : NaN;
}

export const SECONDS_EXPECTED = 'expected a non-negative number of seconds';

/** Quotes a field for an error message, cut short so one line stays one line. */
export function quoteField(text: string): string {
  const cut = text.length > 40 ? `${text.slice(0, 37)}...` : text;
  return JSON.stringify(cut);
}
