import { describe, expect, it } from 'vitest';
import { collectTrace } from '../../../src/sim/trace/collectTrace.js';
import { MOONCAKE_BLOCK_TOKENS } from '../../../src/sim/trace/jsonRowParsers.js';
import { openTrace } from '../../../src/sim/trace/openTrace.js';
import { TraceParseError } from '../../../src/sim/trace/TraceParseError.js';
import { tmpTraceDir } from './tmpTrace.js';

const write = tmpTraceDir();

/** Rows in Mooncake's own spelling (spaces after colons, as the published file has them). */
function mooncake(rows: object[]): string {
  return `${rows.map((r) => JSON.stringify(r).replace(/,"/g, ', "').replace(/":/g, '": ')).join('\n')}\n`;
}

const GOOD = mooncake([
  { timestamp: 5000, input_length: 1024, output_length: 10, hash_ids: [0, 1] },
  { timestamp: 5000, input_length: 1500, output_length: 3, hash_ids: [0, 1, 2] },
  { timestamp: 7250, input_length: 300, output_length: 1, hash_ids: [3] },
]);

async function read(path: string, options = {}) {
  return collectTrace(await openTrace(path, options));
}

async function failure(path: string, options = {}): Promise<string> {
  try {
    await read(path, options);
  } catch (err) {
    expect(err).toBeInstanceOf(TraceParseError);
    return (err as Error).message;
  }
  throw new Error(`${path} was read without error`);
}

describe('Mooncake JSONL reader', () => {
  it('maps timestamp (ms), input/output lengths and hash_ids onto RequestSpec, first row at 0 s', async () => {
    const rows = await read(write('good.jsonl', GOOD));
    expect(MOONCAKE_BLOCK_TOKENS).toBe(512);
    expect(rows).toEqual([
      { id: 0, arrivalS: 0, promptTokens: 1024, outputTokens: 10, prefixBlockIds: [0, 1], prefixBlockTokens: 512 },
      { id: 1, arrivalS: 0, promptTokens: 1500, outputTokens: 3, prefixBlockIds: [0, 1, 2], prefixBlockTokens: 512 },
      { id: 2, arrivalS: 2.25, promptTokens: 300, outputTokens: 1, prefixBlockIds: [3], prefixBlockTokens: 512 },
    ]);
  });

  it('is detected from its field names (gzip too), and can be forced', async () => {
    expect(await read(write('good.jsonl.gz', GOOD, true))).toHaveLength(3);
    // Forced on a file whose first line has only the timestamp field: the reader names what is missing.
    const path = write('forced.jsonl', '{"timestamp": 0, "extra": 1}\n');
    expect(await failure(path, { format: 'mooncake' })).toBe(`${path}:1: input_length: expected a positive integer but found nothing (field missing)`);
    // The same line read as kvsim JSONL fails on kvsim's field names instead.
    expect(await failure(path)).toBe(`${path}:1: promptTokens: expected a positive integer but found nothing (field missing)`);
  });

  it('accepts fewer ids than blocks (a prompt whose tail is not hashed) and an empty list', async () => {
    const rows = await read(write('short.jsonl', mooncake([{ timestamp: 0, input_length: 2000, output_length: 1, hash_ids: [] }, { timestamp: 1, input_length: 2000, output_length: 1, hash_ids: [9] }])));
    expect(rows.map((r) => r.prefixBlockIds)).toEqual([[], [9]]);
  });

  it('ignores fields it does not know', async () => {
    const rows = await read(write('extra.jsonl', '{"timestamp": 0, "input_length": 5, "output_length": 2, "hash_ids": [4], "session": "x"}\n'));
    expect(rows[0]).toEqual({ id: 0, arrivalS: 0, promptTokens: 5, outputTokens: 2, prefixBlockIds: [4], prefixBlockTokens: 512 });
  });

  it('--skip-invalid skips bad Mooncake rows with their reasons', async () => {
    const path = write('skip.jsonl', mooncake([
      { timestamp: 0, input_length: 10, output_length: 1, hash_ids: [0] },
      { timestamp: 1, input_length: 10, output_length: 1, hash_ids: [0, 1] },
      { timestamp: 2, input_length: 10, output_length: 1, hash_ids: [5] },
    ]));
    const source = await openTrace(path, { skipInvalid: true });
    const rows = await collectTrace(source);
    expect(rows.map((r) => r.prefixBlockIds)).toEqual([[0], [5]]);
    expect(source.skipped?.reasons).toEqual([`${path}:2: hash_ids: expected at most 1 block ids (ceil(10 prompt tokens / 512 tokens per block)) but found 2`]);
  });
});

describe('Mooncake malformed rows: one line naming file, line and field', () => {
  const ok = { timestamp: 0, input_length: 1024, output_length: 5, hash_ids: [0, 1] };
  const cases: [string, string, string][] = [
    ['timestamp missing', mooncake([{ ...ok, timestamp: undefined }]), ':1: timestamp: expected a non-negative number of milliseconds but found nothing (field missing)'],
    ['timestamp negative', mooncake([{ ...ok, timestamp: -1 }]), ':1: timestamp: expected a non-negative number of milliseconds but found -1'],
    ['timestamp a string', mooncake([{ ...ok, timestamp: '12' }]), ':1: timestamp: expected a non-negative number of milliseconds but found "12"'],
    ['timestamps backwards', mooncake([ok, { ...ok, timestamp: 2000 }, { ...ok, timestamp: 1500 }]), ':3: timestamp: arrivals go backwards: "1500" is 0.500 s before line 2'],
    ['input_length zero', mooncake([{ ...ok, input_length: 0, hash_ids: [] }]), ':1: input_length: expected a positive integer but found 0'],
    ['input_length fractional', mooncake([{ ...ok, input_length: 10.5 }]), ':1: input_length: expected a positive integer but found 10.5'],
    ['output_length missing', mooncake([{ ...ok, output_length: undefined }]), ':1: output_length: expected a positive integer but found nothing (field missing)'],
    ['output_length a string', mooncake([{ ...ok, output_length: '5' }]), ':1: output_length: expected a positive integer but found "5"'],
    ['hash_ids missing', mooncake([{ ...ok, hash_ids: undefined }]), ':1: hash_ids: expected an array of non-negative integer block ids but found nothing (field missing)'],
    ['hash_ids not an array', mooncake([{ ...ok, hash_ids: 7 }]), ':1: hash_ids: expected an array of non-negative integer block ids but found 7'],
    ['hash_ids too many', mooncake([{ ...ok, input_length: 1025, hash_ids: [0, 1, 2, 3] }]), ':1: hash_ids: expected at most 3 block ids (ceil(1025 prompt tokens / 512 tokens per block)) but found 4'],
    ['hash id negative', mooncake([{ ...ok, hash_ids: [0, -2] }]), ':1: hash_ids[1]: expected a non-negative integer block id below 2^33 but found -2'],
    ['hash id fractional', mooncake([{ ...ok, hash_ids: [0.5] }]), ':1: hash_ids[0]: expected a non-negative integer block id below 2^33 but found 0.5'],
    ['hash id beyond 2^53', mooncake([{ ...ok, hash_ids: [2 ** 53] }]), ':1: hash_ids[0]: expected a non-negative integer block id below 2^33 but found 9007199254740992'],
    ['hash id at 2^33 (prefix-cache keys pack it with a block index)', mooncake([{ ...ok, hash_ids: [2 ** 33] }]), ':1: hash_ids[0]: expected a non-negative integer block id below 2^33 but found 8589934592'],
    ['hash id a string', mooncake([{ ...ok, hash_ids: ['a'] }]), ':1: hash_ids[0]: expected a non-negative integer block id below 2^33 but found "a"'],
    ['hash id null', mooncake([{ ...ok, hash_ids: [3, null] }]), ':1: hash_ids[1]: expected a non-negative integer block id below 2^33 but found null'],
    ['hash id repeated', mooncake([{ ...ok, hash_ids: [4, 4] }]), ':1: hash_ids[1]: block id 4 appears twice in one request (an id stands for the whole prefix up to its block, so it has one position)'],
    ['not an object', `${mooncake([ok])}[1, 2]\n`, ':2: expected a JSON object but found "[1,2]"'],
    ['invalid JSON', `${mooncake([ok])}{"timestamp": 1, \n`, ':2: invalid JSON (…'],
  ];
  for (const [what, content, message] of cases) {
    it(what, async () => {
      const path = write(`${what.replace(/ /g, '-')}.jsonl`, content);
      const got = await failure(path, { format: 'mooncake' });
      expect(got.includes('\n')).toBe(false);
      if (message.endsWith('…')) expect(got.startsWith(`${path}${message.slice(0, -1)}`)).toBe(true);
      else expect(got).toBe(`${path}${message}`);
    });
  }

  it('deeply nested JSON is one line, not a stack overflow', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    for (const [name, line] of [['deep-row', deep], ['deep-ids', `{"timestamp": 0, "input_length": 9, "output_length": 1, "hash_ids": [${deep}]}`]] as const) {
      const path = write(`${name}.jsonl`, `${line}\n`);
      const got = await failure(path, { format: 'mooncake' });
      expect(got.includes('\n')).toBe(false);
      expect(got.startsWith(`${path}:1: `)).toBe(true);
    }
  });
});
