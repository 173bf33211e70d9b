/**
 * Parses wall-clock timestamps such as `2023-11-16 18:17:03.9799600` (the Azure LLM traces) into
 * whole seconds since 1970 (`wholeS`) plus the fraction in integer nanoseconds (`fracNs`), both
 * exact, so a caller subtracting two timestamps in integer nanoseconds gets the exact difference and
 * rounds once: a double holding seconds since 1970 would round at ~1e-7 s, and subtracting float
 * fractions leaves noise like 0.051999999999999935 for 0.052. Digits past the 9th are dropped. Accepts `YYYY-MM-DD[ T]HH:MM:SS[.fraction][Z|±HH:MM]`.
 * Built for millions of rows: no Date object, no regex, and the date part is converted once per day.
 */
export class TimestampParser {
  /** Whole seconds since 1970-01-01T00:00:00Z of the latest successful parse. */
  wholeS = 0;
  /** Fractional second of the latest successful parse, in integer nanoseconds [0, 1e9). */
  fracNs = 0;
  private cachedDate = '';
  private cachedDayS = 0;
  // A trace has several requests per second: the `YYYY-MM-DD HH:MM:SS` prefix repeats, so it is
  // compared in place and converted only when it changes (one string compare instead of ~12 char reads).
  private cachedSecond = '';
  private cachedSecondS = 0;

  /**
   * Parses `text` (or its part [start, end), so a CSV reader need not cut the field out); returns
   * null on success, else why it is not a timestamp. Surrounding spaces are skipped.
   */
  parse(text: string, start = 0, end = text.length): string | null {
    let b = start;
    let n = end;
    while (b < n && text.charCodeAt(b) === 32) b++;
    while (n > b && text.charCodeAt(n - 1) === 32) n--;
    if (n - b < 19) return 'expected a timestamp like 2023-11-16 18:17:03.9799600';
    let secondS: number;
    if (this.cachedSecond.length !== 0 && text.startsWith(this.cachedSecond, b)) {
      secondS = this.cachedSecondS;
    } else {
      const why = this.parseSecond(text, b);
      if (why !== null) return why;
      secondS = this.cachedSecondS;
    }
    let i = b + 19;
    let frac = 0;
    if (i < n && text.charCodeAt(i) === 46) {
      i++;
      const fracStart = i;
      let digits = 0;
      while (i < n) {
        const d = text.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        if (digits < 9) {
          frac = frac * 10 + d;
          digits++;
        }
        i++;
      }
      if (i === fracStart) return 'expected digits after the decimal point';
      for (; digits < 9; digits++) frac *= 10;
    }
    let offsetS = 0;
    if (i < n) {
      const c = text.charCodeAt(i);
      if (c === 90 && i === n - 1) {
        i++;
      } else if ((c === 43 || c === 45) && n - i === 6 && text.charCodeAt(i + 3) === 58) {
        const oh = twoDigits(text, i + 1);
        const om = twoDigits(text, i + 4);
        if (oh < 0 || om < 0 || oh > 23 || om > 59) return 'expected a UTC offset like +01:00';
        offsetS = (c === 43 ? 1 : -1) * (oh * 3600 + om * 60);
        i = n;
      } else {
        return 'unexpected characters after the time';
      }
    }
    this.wholeS = secondS - offsetS;
    this.fracNs = frac;
    return null;
  }

  /** Parses the `YYYY-MM-DD HH:MM:SS` at `b` into the second cache; null on success, else why not. */
  private parseSecond(text: string, b: number): string | null {
    // Rows of one day share the date: compare in place, convert only when it changes.
    if (this.cachedDate.length === 0 || !text.startsWith(this.cachedDate, b)) {
      const dayS = parseDate(text, b);
      if (dayS === undefined) return 'expected a date YYYY-MM-DD at the start of the timestamp';
      this.cachedDate = text.slice(b, b + 10);
      this.cachedDayS = dayS;
    }
    const sep = text.charCodeAt(b + 10);
    if (sep !== 32 && sep !== 84) return 'expected a space or T between date and time';
    const h = twoDigits(text, b + 11);
    const m = twoDigits(text, b + 14);
    const s = twoDigits(text, b + 17);
    if (h < 0 || m < 0 || s < 0 || text.charCodeAt(b + 13) !== 58 || text.charCodeAt(b + 16) !== 58 || h > 23 || m > 59 || s > 60) {
      return 'expected a time HH:MM:SS';
    }
    this.cachedSecond = text.slice(b, b + 19);
    this.cachedSecondS = this.cachedDayS + h * 3600 + m * 60 + s;
    return null;
  }
}

function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1;
  return a * 10 + b;
}

/** Seconds since 1970 of midnight UTC of the `YYYY-MM-DD` at `at` in `text`, or undefined. */
function parseDate(text: string, at: number): number | undefined {
  const y = twoDigits(text, at) * 100 + twoDigits(text, at + 2);
  const mo = twoDigits(text, at + 5);
  const d = twoDigits(text, at + 8);
  if (twoDigits(text, at) < 0 || twoDigits(text, at + 2) < 0 || mo < 1 || mo > 12 || d < 1) return undefined;
  if (text.charCodeAt(at + 4) !== 45 || text.charCodeAt(at + 7) !== 45) return undefined;
  if (d > daysInMonth(y, mo)) return undefined;
  return daysFromCivil(y, mo, d) * 86400;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (the classic era-based civil-to-days formula). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
