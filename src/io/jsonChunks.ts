/** Array elements serialized per chunk: bounds the size of any one string. */
const ARRAY_BATCH = 8192;

/**
 * `JSON.stringify(value)` (no indentation) as a sequence of chunks whose concatenation is the same
 * bytes, so a RunResult of millions of requests streams to disk instead of becoming one string larger
 * than V8 allows ("Invalid string length"). Plain objects and arrays are walked; anything with a
 * toJSON, and every leaf, goes through JSON.stringify itself, so the rules (NaN -> null, undefined
 * properties skipped, undefined array items -> null) are JSON.stringify's own.
 */
export function* jsonChunks(value: unknown): Generator<string> {
  if (Array.isArray(value)) {
    if (value.length <= ARRAY_BATCH) {
      yield JSON.stringify(value);
      return;
    }
    yield '[';
    for (let i = 0; i < value.length; i += ARRAY_BATCH) {
      const part = value.slice(i, i + ARRAY_BATCH);
      const allLeaves = part.every((v) => v === null || typeof v !== 'object');
      if (allLeaves) {
        yield (i > 0 ? ',' : '') + JSON.stringify(part).slice(1, -1);
      } else {
        for (let j = 0; j < part.length; j++) {
          if (i + j > 0) yield ',';
          const v = part[j];
          if (v === undefined || typeof v === 'function' || typeof v === 'symbol') yield 'null';
          else yield* jsonChunks(v);
        }
      }
    }
    yield ']';
    return;
  }
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON !== 'function' && !ArrayBuffer.isView(value)) {
    yield '{';
    let first = true;
    for (const [key, v] of Object.entries(value)) {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      yield `${first ? '' : ','}${JSON.stringify(key)}:`;
      first = false;
      yield* jsonChunks(v);
    }
    yield '}';
    return;
  }
  const text = JSON.stringify(value);
  yield text === undefined ? 'null' : text;
}
