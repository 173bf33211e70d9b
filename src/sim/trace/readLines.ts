import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TraceParseError } from './TraceParseError.js';

/** A run of consecutive lines of a file; `firstLineNo` is the 1-based number of `lines[0]`. */
export interface LineBatch {
  lines: string[];
  firstLineNo: number;
}

/** Lines longer than this are not trace rows: stop before buffering a whole binary file. */
const MAX_LINE_CHARS = 1 << 20;
const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** Whether the file starts with the gzip magic bytes (extension is not trusted). */
export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
  } finally {
    await handle.close();
  }
}

/**
 * Streams a text file (gzip detected by its magic bytes) as batches of lines without their `\n` or
 * `\r\n`. Input that is not UTF-8 text (invalid UTF-8, NUL bytes, a "line" over 1 MiB, corrupt gzip)
 * raises a TraceParseError naming the line where it starts, so binary garbage never reaches a parser.
 * Breaking out of the loop closes the file.
 */
export async function* readLines(path: string, displayName: string): AsyncGenerator<LineBatch> {
  const gzip = await isGzipFile(path);
  const file = createReadStream(path, { highWaterMark: 1 << 16 });
  const input = gzip ? pipeline(file, createGunzip(), () => {}) : file;
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let pending = '';
  let lineNo = 1; // number of the line `pending` belongs to
  try {
    for await (const buf of input as AsyncIterable<Buffer>) {
      let text: string;
      try {
        text = decoder.decode(buf, { stream: true });
      } catch {
        throw new TraceParseError(displayName, lineNo + badUtf8LineOffset(pending, buf), undefined, 'not UTF-8 text (binary data?)');
      }
      const batch = splitLines(pending + text, lineNo, displayName);
      pending = batch.rest;
      if (batch.lines.length > 0) {
        yield { lines: batch.lines, firstLineNo: lineNo };
        lineNo += batch.lines.length;
      }
    }
    let tail: string;
    try {
      tail = decoder.decode();
    } catch {
      throw new TraceParseError(displayName, lineNo, undefined, 'not UTF-8 text (file ends inside a multi-byte character)');
    }
    const last = pending + tail;
    if (last.length > 0) {
      const batch = splitLines(`${last}\n`, lineNo, displayName);
      yield { lines: batch.lines, firstLineNo: lineNo };
    }
  } catch (err) {
    if (err instanceof TraceParseError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (gzip && typeof code === 'string' && code.startsWith('Z_')) {
      throw new TraceParseError(displayName, undefined, undefined, `corrupt gzip data (${(err as Error).message})`);
    }
    throw err;
  } finally {
    file.destroy();
  }
}

function splitLines(text: string, firstLineNo: number, displayName: string): { lines: string[]; rest: string } {
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    lines.push(text.slice(start, end));
    start = nl + 1;
  }
  const rest = text.slice(start);
  // One scan of the whole chunk for NUL; per-line work only when there is one.
  if (text.indexOf('\0') >= 0) for (let i = 0; i < lines.length; i++) checkText(lines[i], firstLineNo + i, displayName);
  else for (let i = 0; i < lines.length; i++) if (lines[i].length > MAX_LINE_CHARS) checkText(lines[i], firstLineNo + i, displayName);
  if (rest.length > MAX_LINE_CHARS) {
    throw new TraceParseError(displayName, firstLineNo + lines.length, undefined, `line longer than ${MAX_LINE_CHARS} characters (binary data?)`);
  }
  if (firstLineNo === 1 && lines.length > 0 && lines[0].charCodeAt(0) === 0xfeff) lines[0] = lines[0].slice(1);
  return { lines, rest };
}

function checkText(line: string, lineNo: number, displayName: string): void {
  if (line.length > MAX_LINE_CHARS) {
    throw new TraceParseError(displayName, lineNo, undefined, `line longer than ${MAX_LINE_CHARS} characters (binary data?)`);
  }
  if (line.indexOf('\0') >= 0) throw new TraceParseError(displayName, lineNo, undefined, 'NUL byte in text (binary data?)');
}

/** Error path only: how many newlines precede the first undecodable byte of `buf`. */
function badUtf8LineOffset(pending: string, buf: Buffer): number {
  let offset = countNewlines(pending);
  let start = 0;
  while (start < buf.length) {
    let nl = buf.indexOf(0x0a, start);
    if (nl < 0) nl = buf.length;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(start, nl));
    } catch {
      return offset;
    }
    offset++;
    start = nl + 1;
  }
  return offset;
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
