import { TraceParseError } from './TraceParseError.js';
import { MAX_PREFIX_ID } from './tokenLimits.js';

/** What a row's block-id list must be, as error messages say it. */
export const PREFIX_BLOCK_IDS_EXPECTED = 'expected an array of non-negative integer block ids';

/**
 * Validates a row's prefix block ids (Mooncake `hash_ids`, kvsim JSONL `prefixBlockIds`) against
 * RequestSpec's contract: an array of non-negative safe integers, at most one per started block of
 * the prompt (ceil(promptTokens / blockTokens)), none repeated. A repeat inside one request cannot
 * happen in a hash chain (an id names the whole prefix up to its block, so it has one position).
 * Consistency across rows (same id, same parent) is not checked here: that needs a table of every id
 * seen; `traceStats` counts violations instead. Returns the array itself (no copy).
 */
export function checkPrefixBlockIds(value: unknown, promptTokens: number, blockTokens: number, file: string, lineNo: number, field: string): number[] {
  if (!Array.isArray(value)) throw new TraceParseError(file, lineNo, field, `${PREFIX_BLOCK_IDS_EXPECTED} but found ${describeJson(value)}`);
  const maxBlocks = Math.ceil(promptTokens / blockTokens);
  if (value.length > maxBlocks) {
    throw new TraceParseError(
      file,
      lineNo,
      field,
      `expected at most ${maxBlocks} block ids (ceil(${promptTokens} prompt tokens / ${blockTokens} tokens per block)) but found ${value.length}`,
    );
  }
  for (let i = 0; i < value.length; i++) {
    const id: unknown = value[i];
    // Prefix caching packs (id, block index) into one safe integer (src/sim/memory/PrefixKeys.ts).
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0 || id >= MAX_PREFIX_ID) {
      throw new TraceParseError(file, lineNo, `${field}[${i}]`, `expected a non-negative integer block id below 2^33 but found ${describeJson(id)}`);
    }
  }
  if (value.length > 1) {
    const seen = new Set<number>();
    for (let i = 0; i < value.length; i++) {
      const id = value[i] as number;
      if (seen.has(id)) {
        throw new TraceParseError(file, lineNo, `${field}[${i}]`, `block id ${id} appears twice in one request (an id stands for the whole prefix up to its block, so it has one position)`);
      }
      seen.add(id);
    }
  }
  return value as number[];
}

/** A JSON value for an error message, cut short so one line stays one line. */
export function describeJson(v: unknown): string {
  if (v === undefined) return 'nothing (field missing)';
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    // Nesting too deep for JSON.stringify (String() would recurse as deep): name the type only.
    text = Array.isArray(v) ? '[...] (nested too deep to show)' : '{...} (nested too deep to show)';
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
