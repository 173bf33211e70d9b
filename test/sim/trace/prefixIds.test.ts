import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { collectTrace } from '../../../src/sim/trace/collectTrace.js';
import { openTrace } from '../../../src/sim/trace/openTrace.js';
import { TraceParseError } from '../../../src/sim/trace/TraceParseError.js';
import type { TraceOptions } from '../../../src/sim/trace/TraceOptions.js';
import { keptBlockIds } from '../../../src/sim/trace/transformTrace.js';
import { type WriteTraceReport, writeTrace } from '../../../src/sim/trace/writeTrace.js';
import { tmpTraceDir } from './tmpTrace.js';

const write = tmpTraceDir();

/** Writes a source to a string. */
async function written(path: string, format: 'jsonl' | 'vidur' | 'azure' | 'vidur-lengths', options: TraceOptions = {}) {
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => (text += b.toString()));
  const report: WriteTraceReport = { requests: 0, prefixIdsDropped: 0 };
  await writeTrace(await openTrace(path, options), format, out, report);
  out.end();
  return { text, report };
}

// Five Mooncake requests, 100 ms apart; request i has i+1 blocks, the first shared by all.
const MOONCAKE = Array.from({ length: 5 }, (_, i) =>
  JSON.stringify({ timestamp: 1000 + 100 * i, input_length: 512 * i + 300, output_length: 7 + i, hash_ids: [0, ...Array.from({ length: i }, (_, j) => 10 * i + j + 1)] }),
).join('\n');

describe('kvsim JSONL carries prefix block ids', () => {
  it('Mooncake -> kvsim JSONL -> read back: the same requests, ids included', async () => {
    const path = write('m.jsonl', MOONCAKE);
    const direct = await collectTrace(await openTrace(path));
    const { text, report } = await written(path, 'jsonl');
    expect(report).toEqual({ requests: 5, prefixIdsDropped: 0 });
    expect(text.split('\n')[1]).toBe('{"id":1,"arrivalS":0.1,"promptTokens":812,"outputTokens":8,"prefixBlockIds":[0,11],"prefixBlockTokens":512}');
    const back = await collectTrace(await openTrace(write('back.jsonl', text)));
    expect(back).toEqual(direct);
    // And writing what was read back gives the same bytes.
    expect((await written(write('back2.jsonl', text), 'jsonl')).text).toBe(text);
  });

  it('rows without ids stay without them, next to rows with them', async () => {
    const path = write('mixed.jsonl', '{"arrivalS":0,"promptTokens":5,"outputTokens":1}\n{"arrivalS":1,"promptTokens":40,"outputTokens":1,"prefixBlockIds":[3,4,5],"prefixBlockTokens":16}\n');
    const rows = await collectTrace(await openTrace(path));
    expect('prefixBlockIds' in rows[0]).toBe(false);
    expect(rows[1].prefixBlockIds).toEqual([3, 4, 5]);
    expect(rows[1].prefixBlockTokens).toBe(16);
  });

  it('CSV formats cannot hold ids: the report counts the requests that lost them', async () => {
    const path = write('m2.jsonl', MOONCAKE);
    for (const format of ['vidur', 'azure', 'vidur-lengths'] as const) {
      const { report } = await written(path, format);
      expect(report).toEqual({ requests: 5, prefixIdsDropped: 5 });
    }
  });

  it('mooncake is read only', async () => {
    const source = await openTrace(write('m3.jsonl', MOONCAKE));
    await expect(writeTrace(source, 'mooncake', new PassThrough())).rejects.toThrow('Expected one of jsonl, azure, vidur, vidur-lengths for format but received "mooncake"');
  });

  const cases: [string, string, string][] = [
    ['ids without block size', '{"arrivalS":0,"promptTokens":40,"outputTokens":1,"prefixBlockIds":[1]}', ':1: prefixBlockTokens: expected a positive integer but found nothing (field missing)'],
    ['block size without ids', '{"arrivalS":0,"promptTokens":40,"outputTokens":1,"prefixBlockTokens":16}', ':1: prefixBlockIds: expected an array of block ids (prefixBlockTokens is set) but found nothing (field missing)'],
    ['block size zero', '{"arrivalS":0,"promptTokens":40,"outputTokens":1,"prefixBlockIds":[1],"prefixBlockTokens":0}', ':1: prefixBlockTokens: expected a positive integer but found 0'],
    ['too many ids', '{"arrivalS":0,"promptTokens":40,"outputTokens":1,"prefixBlockIds":[1,2,3,4],"prefixBlockTokens":16}', ':1: prefixBlockIds: expected at most 3 block ids (ceil(40 prompt tokens / 16 tokens per block)) but found 4'],
    ['bad id', '{"arrivalS":0,"promptTokens":40,"outputTokens":1,"prefixBlockIds":[1,"2"],"prefixBlockTokens":16}', ':1: prefixBlockIds[1]: expected a non-negative integer block id below 2^33 but found "2"'],
    ['repeated id', '{"arrivalS":0,"promptTokens":40,"outputTokens":1,"prefixBlockIds":[1,1],"prefixBlockTokens":16}', ':1: prefixBlockIds[1]: block id 1 appears twice in one request (an id stands for the whole prefix up to its block, so it has one position)'],
  ];
  for (const [what, line, message] of cases) {
    it(`malformed: ${what}`, async () => {
      const path = write(`${what.replace(/ /g, '-')}.jsonl`, `${line}\n`);
      const err = await openTrace(path).then(collectTrace).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TraceParseError);
      expect((err as Error).message).toBe(`${path}${message}`);
    });
  }
});

describe('transformations and prefix block ids', () => {
  const path = write('t.jsonl', MOONCAKE);
  const read = async (options: TraceOptions) => collectTrace(await openTrace(path, options));

  it('first N, window, sample N and rate scaling keep every request its ids', async () => {
    const all = await read({});
    const byPrompt = new Map(all.map((r) => [r.promptTokens, r.prefixBlockIds]));
    for (const options of [{ first: 2 }, { windowStartS: 0.15 }, { sampleN: 3, seed: 4 }, { targetRatePerS: 50 }, { timeScale: 3 }] as TraceOptions[]) {
      const rows = await read(options);
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) expect(r.prefixBlockIds, JSON.stringify(options)).toEqual(byPrompt.get(r.promptTokens));
    }
  });

  it('clipping a prompt keeps only the blocks it still holds whole', async () => {
    // Request 4: prompt 2348 = 4 whole blocks of 512 + 300, ids [0,41,42,43,44]. Clipped to 1330 - 1 = 1329 tokens: 2 whole blocks.
    const rows = await read({ maxContextTokens: 1330 });
    expect(rows[4].promptTokens).toBe(1329);
    expect(rows[4].prefixBlockIds).toEqual([0, 41]);
    // Request 2 (prompt 1324, output 9): only its output is shortened (to 6); its ids stay.
    expect([rows[2].promptTokens, rows[2].outputTokens]).toEqual([1324, 6]);
    expect(rows[2].prefixBlockIds).toEqual([0, 21, 22]);
    expect(keptBlockIds([1, 2, 3], 32, 16)).toEqual([1, 2]);
    expect(keptBlockIds([1, 2, 3], 33, 16)).toEqual([1, 2]);
    expect(keptBlockIds([1, 2], 48, 16)).toEqual([1, 2]);
  });
});
