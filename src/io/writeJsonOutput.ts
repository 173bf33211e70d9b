import { jsonChunks } from './jsonChunks.js';
import { writeChunks } from './writeChunks.js';
import { writeOutput, type WriteOutputOptions } from './writeOutput.js';

/**
 * Writes `value` as JSON (the bytes of `JSON.stringify(value)` plus a newline) through `writeOutput`,
 * streamed: never one string of the whole document.
 */
export async function writeJsonOutput(path: string, value: unknown, options: WriteOutputOptions = {}): Promise<void> {
  await writeOutput(path, (out) => writeChunks(out, (function* () {
    yield* jsonChunks(value);
    yield '\n';
  })()), options);
}

/** Writes a string (a report's HTML, a small JSON) through `writeOutput`. */
export async function writeTextOutput(path: string, text: string, options: WriteOutputOptions = {}): Promise<void> {
  await writeOutput(path, (out) => writeChunks(out, [text]), options);
}
