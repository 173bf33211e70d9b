/**
 * Splits one CSV line into `out` (reused across rows to spare allocations) and returns the field
 * count. The fast path is a plain comma split; a line holding a quote takes the RFC 4180 path
 * (quoted fields, doubled quotes), which trace files written by pandas only need for text columns.
 * Returns -1 for an unterminated quote.
 */
export function splitCsvLine(line: string, out: string[]): number {
  if (line.indexOf('"') >= 0) return splitQuoted(line, out);
  let n = 0;
  let start = 0;
  for (;;) {
    const comma = line.indexOf(',', start);
    if (comma < 0) {
      out[n++] = line.slice(start);
      return n;
    }
    out[n++] = line.slice(start, comma);
    start = comma + 1;
  }
}

function splitQuoted(line: string, out: string[]): number {
  let n = 0;
  let i = 0;
  const len = line.length;
  for (;;) {
    let field = '';
    if (i < len && line.charCodeAt(i) === 34) {
      i++;
      for (;;) {
        if (i >= len) return -1;
        const q = line.indexOf('"', i);
        if (q < 0) return -1;
        field += line.slice(i, q);
        if (q + 1 < len && line.charCodeAt(q + 1) === 34) {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      // Text between the closing quote and the comma is kept, like most lenient readers do.
      const comma = line.indexOf(',', i);
      field += line.slice(i, comma < 0 ? len : comma);
      out[n++] = field;
      if (comma < 0) return n;
      i = comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      out[n++] = line.slice(i, comma < 0 ? len : comma);
      if (comma < 0) return n;
      i = comma + 1;
    }
  }
}

/**
 * The hot path: field boundaries of an unquoted line, without cutting strings. Fills
 * `bounds[2i]`/`bounds[2i+1]` with the start/end of field i (as far as `bounds` has room) and
 * returns the field count.
 */
export function csvFieldBounds(line: string, delimiter: string, bounds: Int32Array): number {
  const room = bounds.length >> 1;
  let n = 0;
  let start = 0;
  for (;;) {
    const at = line.indexOf(delimiter, start);
    const end = at < 0 ? line.length : at;
    if (n < room) {
      bounds[2 * n] = start;
      bounds[2 * n + 1] = end;
    }
    n++;
    if (at < 0) return n;
    start = at + 1;
  }
}
