import type { RequestSpec } from './RequestSpec.js';
import { ArrivalClock } from './ArrivalClock.js';
import { jsonlRowParser, mooncakeRowParser } from './jsonRowParsers.js';
import { parseSeconds, parseTokenCount, quoteField, SECONDS_EXPECTED } from './parseFields.js';
import { readLines } from './readLines.js';
import { recordSkip, type SkipReport } from './SkipReport.js';
import { csvFieldBounds, splitCsvLine } from './splitCsvLine.js';
import { TimestampParser } from './TimestampParser.js';
import { type CsvLayout, detectLayout, type TraceFormat } from './TraceFormat.js';
import { TraceParseError } from './TraceParseError.js';
import { tokenCountProblem } from './tokenLimits.js';
import { TRACE_CHUNK_SIZE } from './TraceSource.js';

/** Where a file's rows come from and how to treat bad ones. */
export interface ReadRowsOptions {
  /** Path on disk. */
  path: string;
  /** Name used in error messages (what the user typed). */
  displayName: string;
  format: TraceFormat | 'auto';
  skipInvalid: boolean;
  /** Receives skipped rows when `skipInvalid`. */
  skipped: SkipReport;
}

/**
 * Streams a trace file's valid rows in chunks. Arrivals are seconds since the first valid row (NaN
 * for length-only formats); ids are left at -1 for the transformation stage to number. Every bad
 * row raises a TraceParseError naming file, line and field, or is counted in `skipped`.
 */
export async function* readTraceRows(options: ReadRowsOptions): AsyncGenerator<RequestSpec[]> {
  const state: BatchState = { options, parseRow: undefined, sawHeader: false, rows: 0, chunk: [], ready: [] };
  for await (const batch of readLines(options.path, options.displayName)) {
    parseBatch(batch.lines, batch.firstLineNo, state);
    for (const chunk of state.ready) yield chunk;
    state.ready.length = 0;
  }
  const { displayName: file, skipped } = options;
  if (!state.sawHeader) throw new TraceParseError(file, undefined, undefined, 'empty file (expected a CSV header or JSONL records)');
  if (state.rows === 0) {
    const why = skipped.count > 0 ? `no valid requests (${skipped.count} invalid rows skipped)` : 'no requests after the header';
    throw new TraceParseError(file, undefined, undefined, why);
  }
  if (state.chunk.length > 0) yield state.chunk;
}

interface BatchState {
  options: ReadRowsOptions;
  parseRow: ((line: string, lineNo: number) => RequestSpec) | undefined;
  sawHeader: boolean;
  rows: number;
  /** The chunk being filled. */
  chunk: RequestSpec[];
  /** Full chunks waiting to be yielded. */
  ready: RequestSpec[][];
}

/**
 * Parses one batch of lines into `state`: a plain synchronous function, so the async generator above
 * only moves chunks and the parsing can be tested and profiled on its own.
 */
function parseBatch(lines: string[], firstLineNo: number, state: BatchState): void {
  const { displayName: file, skipInvalid, skipped } = state.options;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lineNo = firstLineNo + i;
    if (line.length === 0 || isBlank(line)) continue;
    if (state.parseRow === undefined) {
      const layout = detectLayout(line, state.options.format, file);
      state.sawHeader = true;
      if (layout === 'jsonl') {
        state.parseRow = jsonlRowParser(file);
      } else if (layout === 'mooncake') {
        state.parseRow = mooncakeRowParser(file);
      } else {
        state.parseRow = csvRowParser(layout, file);
        continue; // the header is not a request
      }
    }
    let request: RequestSpec;
    try {
      request = state.parseRow(line, lineNo);
    } catch (err) {
      if (skipInvalid && err instanceof TraceParseError) {
        recordSkip(skipped, err.message);
        continue;
      }
      throw err;
    }
    state.chunk.push(request);
    state.rows++;
    if (state.chunk.length >= TRACE_CHUNK_SIZE) {
      state.ready.push(state.chunk);
      state.chunk = [];
    }
  }
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

function csvRowParser(layout: CsvLayout, file: string): (line: string, lineNo: number) => RequestSpec {
  const timestamps = new TimestampParser();
  const clock = new ArrivalClock();
  const bounds = new Int32Array(2 * (layout.columnCount + 1));
  const fields: string[] = [];
  let baseWholeS = NaN;
  let baseFracNs = 0;
  let baseS = NaN;
  const { names, columnCount } = layout;
  return (rawLine, lineNo) => {
    // Fields are parsed in place from [start, end) bounds: no substring per field on the hot path.
    // A line with quotes is unquoted first and rejoined with NUL, which no accepted line contains.
    let line = rawLine;
    let delimiter = ',';
    if (rawLine.indexOf('"') >= 0) {
      const count = splitCsvLine(rawLine, fields);
      if (count < 0) throw new TraceParseError(file, lineNo, undefined, 'unterminated quoted field');
      line = fields.slice(0, count).join('\0');
      delimiter = '\0';
    }
    const n = csvFieldBounds(line, delimiter, bounds);
    if (n < columnCount) {
      throw new TraceParseError(file, lineNo, names[n], `missing column (row has ${n} of the header's ${columnCount} fields)`);
    }
    if (n > columnCount) throw new TraceParseError(file, lineNo, undefined, `row has ${n} fields but the header has ${columnCount}`);
    const field = (i: number) => sliceField(line, bounds, i); // only called on the error path
    const promptTokens = parseTokenCount(line, bounds[2 * layout.prompt], bounds[2 * layout.prompt + 1]);
    const promptProblem = tokenCountProblem(promptTokens);
    if (promptProblem !== null) {
      throw new TraceParseError(file, lineNo, names[layout.prompt], `${promptProblem} but found ${quoteField(field(layout.prompt))}`);
    }
    const outputTokens = parseTokenCount(line, bounds[2 * layout.output], bounds[2 * layout.output + 1]);
    const outputProblem = tokenCountProblem(outputTokens);
    if (outputProblem !== null) {
      throw new TraceParseError(file, lineNo, names[layout.output], `${outputProblem} but found ${quoteField(field(layout.output))}`);
    }
    let arrivalS = NaN;
    const a = layout.arrival;
    if (a >= 0) {
      const name = names[a];
      if (layout.format === 'azure') {
        const why = timestamps.parse(line, bounds[2 * a], bounds[2 * a + 1]);
        if (why !== null) throw new TraceParseError(file, lineNo, name, `${why} but found ${quoteField(field(a))}`);
        if (Number.isNaN(baseWholeS)) {
          baseWholeS = timestamps.wholeS;
          baseFracNs = timestamps.fracNs;
        }
        // Exact integer nanoseconds (to 2^53 ns = 104 days), rounded once by the division.
        arrivalS = ((timestamps.wholeS - baseWholeS) * 1e9 + (timestamps.fracNs - baseFracNs)) / 1e9;
      } else {
        const absS = parseSeconds(field(a));
        if (Number.isNaN(absS)) throw new TraceParseError(file, lineNo, name, `${SECONDS_EXPECTED} but found ${quoteField(field(a))}`);
        if (Number.isNaN(baseS)) baseS = absS;
        arrivalS = absS - baseS;
      }
      if (arrivalS < clock.prevS) clock.backwards(file, lineNo, name, arrivalS, field(a));
      clock.advance(arrivalS, lineNo);
    }
    return { id: -1, arrivalS, promptTokens, outputTokens };
  };
}

/** Field i of a line split by csvFieldBounds. */
function sliceField(line: string, bounds: Int32Array, i: number): string {
  return line.slice(bounds[2 * i], bounds[2 * i + 1]);
}
