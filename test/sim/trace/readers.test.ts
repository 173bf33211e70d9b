import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { collectTrace } from '../../../src/sim/trace/collectTrace.js';
import { openTrace } from '../../../src/sim/trace/openTrace.js';
import { TraceParseError } from '../../../src/sim/trace/TraceParseError.js';
import { tmpTraceDir } from './tmpTrace.js';

const write = tmpTraceDir();

async function read(path: string, options = {}) {
  return collectTrace(await openTrace(path, options));
}

/** The message a read fails with (and that it is a TraceParseError with code TRACE_PARSE). */
async function failure(path: string, options = {}): Promise<string> {
  try {
    await read(path, options);
  } catch (err) {
    expect(err).toBeInstanceOf(TraceParseError);
    expect((err as TraceParseError).code).toBe('TRACE_PARSE');
    return (err as Error).message;
  }
  throw new Error(`${path} was read without error`);
}

const AZURE = 'TIMESTAMP,ContextTokens,GeneratedTokens\r\n2023-11-16 18:17:03.9799600,4808,10\r\n2023-11-16 18:17:04.0319600,3180,8\r\n2023-11-16 18:17:05.0000001,110,27\r\n';

describe('Azure CSV reader', () => {
  it('reads arrivals as seconds since the first row, keeping all 7 fractional digits', async () => {
    const rows = await read(write('azure.csv', AZURE));
    expect(rows.map((r) => r.id)).toEqual([0, 1, 2]);
    expect(rows.map((r) => [r.promptTokens, r.outputTokens])).toEqual([[4808, 10], [3180, 8], [110, 27]]);
    expect(rows[0].arrivalS).toBe(0);
    expect(rows[1].arrivalS).toBeCloseTo(0.052, 12);
    expect(rows[2].arrivalS).toBeCloseTo(1.0200401, 12);
  });

  it('keeps sub-second order across midnight and month ends without Date', async () => {
    const rows = await read(write('midnight.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2024-02-29 23:59:59.9999999,1,1\n2024-03-01 00:00:00.0000001,2,2\n'));
    expect(rows[1].arrivalS).toBeCloseTo(2e-7, 13);
  });

  it('reads gzip by its magic bytes, whatever the extension', async () => {
    const rows = await read(write('azure.csv.bin', AZURE, true));
    expect(rows).toHaveLength(3);
    expect(rows[2].promptTokens).toBe(110);
  });

  it('finds columns by header name in any order and ignores extra columns', async () => {
    const rows = await read(write('reordered.csv', 'GeneratedTokens,extra,TIMESTAMP,ContextTokens\n5,x,2023-01-01 00:00:00,7\n6,y,2023-01-01 00:00:02.5,8\n'));
    expect(rows.map((r) => [r.arrivalS, r.promptTokens, r.outputTokens])).toEqual([[0, 7, 5], [2.5, 8, 6]]);
  });
});

describe('Vidur and JSONL readers', () => {
  it('reads the Vidur request trace', async () => {
    const rows = await read(write('vidur.csv', 'arrived_at,num_prefill_tokens,num_decode_tokens\n10.5,100,20\n11,200.0,30\n'));
    expect(rows.map((r) => [r.arrivalS, r.promptTokens, r.outputTokens])).toEqual([[0, 100, 20], [0.5, 200, 30]]);
  });

  it('gives a length-only Vidur trace the arrival process the user chooses', async () => {
    const path = write('lengths.csv', 'num_prefill_tokens,num_decode_tokens,num_total_tokens\n100,20,120\n200,30,230\n300,40,340\n');
    const rows = await read(path, { arrival: { kind: 'constant', ratePerS: 4 } });
    expect(rows.map((r) => r.arrivalS)).toEqual([0, 0.25, 0.5]);
    await expect(read(path)).rejects.toThrow(/has lengths but no arrival times: give an arrival process/);
  });

  it('reads kvsim JSONL, gzipped too', async () => {
    const text = '{"id":7,"arrivalS":1.5,"promptTokens":10,"outputTokens":2}\n\n{"arrivalS":2,"promptTokens":11,"outputTokens":3}\n';
    for (const path of [write('t.jsonl', text), write('t.jsonl.gz', text, true)]) {
      const rows = await read(path);
      expect(rows).toEqual([
        { id: 0, arrivalS: 0, promptTokens: 10, outputTokens: 2 },
        { id: 1, arrivalS: 0.5, promptTokens: 11, outputTokens: 3 },
      ]);
    }
  });

  it('honours a forced format and rejects a header that does not fit it', async () => {
    const path = write('forced.csv', 'arrived_at,num_prefill_tokens,num_decode_tokens\n3,100,20\n4,200,30\n');
    const rows = await read(path, { format: 'vidur-lengths', arrival: { kind: 'constant', ratePerS: 1 } });
    expect(rows.map((r) => r.arrivalS)).toEqual([0, 1]);
    expect(await failure(path, { format: 'azure' })).toMatch(/forced\.csv:1: unknown header "arrived_at,num_prefill_tokens,num_decode_tokens": expected the azure header/);
  });
});

describe('reader errors name file, line and field', () => {
  const cases: [string, string, string][] = [
    ['non-integer tokens', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.9799600,12a,1\n', ':2: ContextTokens: expected a positive integer but found "12a"'],
    ['negative tokens', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.9799600,12,-1\n', ':2: GeneratedTokens: expected a positive integer but found "-1"'],
    ['zero tokens', 'arrived_at,num_prefill_tokens,num_decode_tokens\n0,0,1\n', ':2: num_prefill_tokens: expected a positive integer but found "0"'],
    ['missing column', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.9799600,12,1\n2023-11-16 18:17:04,12\n', ":3: GeneratedTokens: missing column (row has 2 of the header's 3 fields)"],
    ['unparsable time', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.9799600,12,1\n2023-13-16 18:17:04,12,1\n', ':3: TIMESTAMP: expected a date YYYY-MM-DD at the start of the timestamp but found "2023-13-16 18:17:04"'],
    ['bad seconds', 'arrived_at,num_prefill_tokens,num_decode_tokens\n0x10,5,1\n', ':2: arrived_at: expected a non-negative number of seconds but found "0x10"'],
    ['arrivals backwards', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.5,12,1\n2023-11-16 18:17:03.25,12,1\n', ':3: TIMESTAMP: arrivals go backwards: "2023-11-16 18:17:03.25" is 0.250 s before line 2'],
    ['JSONL field', '{"arrivalS":0,"promptTokens":1.5,"outputTokens":1}\n', ':1: promptTokens: expected a positive integer but found 1.5'],
    ['JSONL missing field', '{"arrivalS":0,"promptTokens":1}\n', ':1: outputTokens: expected a positive integer but found nothing (field missing)'],
    ['JSONL syntax', '{"arrivalS":0,"promptTokens":1,"outputTokens":1}\n{"arrivalS":1,\n', ':2: invalid JSON (…'],
    ['unknown header', 'time,prompt,output\n1,2,3\n', ':1: unknown header "time,prompt,output": expected an Azure LLM trace header (TIMESTAMP,ContextTokens,GeneratedTokens), a Vidur header…'],
    ['empty file', '', ': empty file (expected a CSV header or JSONL records)'],
    ['blank file', '\n  \n', ': empty file (expected a CSV header or JSONL records)'],
    ['header only', 'TIMESTAMP,ContextTokens,GeneratedTokens\n', ': no requests after the header'],
    ['NUL bytes', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03,1,1\n\0\0\0\n', ':3: NUL byte in text (binary data?)'],
  ];
  for (const [what, content, message] of cases) {
    it(what, async () => {
      const path = write(`${what.replace(/ /g, '-')}.csv`, content);
      // A message ending in '…' is checked as a prefix (the rest lists alternatives or echoes JSON.parse).
      const got = await failure(path);
      if (message.endsWith('…')) expect(got.startsWith(`${path}${message.slice(0, -1)}`)).toBe(true);
      else expect(got).toBe(`${path}${message}`);
    });
  }

  it('binary garbage (invalid UTF-8) names the line it starts on', async () => {
    const bytes = Buffer.concat([Buffer.from('TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03,1,1\n'), Buffer.from([0xff, 0xfe, 0x80, 0x0a])]);
    const path = write('garbage.csv', bytes);
    expect(await failure(path)).toBe(`${path}:3: not UTF-8 text (binary data?)`);
  });

  it('a corrupt gzip stream is a parse error, not a crash', async () => {
    const good = gzipSync(Buffer.from(AZURE + '2023-11-16 18:17:06,1,1\n'.repeat(500)));
    const path = write('corrupt.gz', Buffer.concat([good.subarray(0, 40), Buffer.alloc(40, 7)]));
    expect(await failure(path)).toMatch(/^.*corrupt\.gz: corrupt gzip data \(.+\)$/);
    const cut = write('truncated.gz', good.subarray(0, good.length - 10));
    expect(await failure(cut)).toMatch(/^.*truncated\.gz: corrupt gzip data \(unexpected end of file\)$/);
  });

  it('--skip-invalid skips bad rows and reports how many and the first reasons', async () => {
    const lines = ['TIMESTAMP,ContextTokens,GeneratedTokens', '2023-11-16 18:17:03,10,1'];
    for (let i = 0; i < 8; i++) lines.push(`2023-11-16 18:17:0${4 + (i % 5)},x${i},1`);
    lines.push('2023-11-16 18:17:09,20,2', '2023-11-16 18:17:08,30,3');
    const path = write('skip.csv', lines.join('\n'));
    const source = await openTrace(path, { skipInvalid: true });
    const rows = await collectTrace(source);
    expect(rows.map((r) => r.promptTokens)).toEqual([10, 20]);
    expect(source.skipped?.count).toBe(9);
    expect(source.skipped?.reasons).toHaveLength(5);
    expect(source.skipped?.reasons[0]).toBe(`${path}:3: ContextTokens: expected a positive integer but found "x0"`);
    // Reading again reports the same, not twice as many.
    await collectTrace(source);
    expect(source.skipped?.count).toBe(9);
  });
});
