import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MOONCAKE_BLOCK_TOKENS } from '../../../src/sim/trace/jsonRowParsers.js';
import { openTrace } from '../../../src/sim/trace/openTrace.js';
import { traceRegistry } from '../../../src/sim/trace/registry.js';
import { traceStats } from '../../../src/sim/trace/traceStats.js';

const DIR = join(process.cwd(), '..', 'shared', 'traces', 'mooncake-fast25');
const FILE = join(DIR, 'conversation_trace.jsonl');
const present = existsSync(FILE);
const why = present ? '' : ` (skipped: ${FILE} is absent in this checkout)`;

interface Row {
  timestamp: number;
  input_length: number;
  output_length: number;
  hash_ids: number[];
}

describe.skipIf(!present)(`the real Mooncake FAST'25 conversation trace${why}`, () => {
  // The facts below are computed here from the file with plain JSON.parse, independently of the reader.
  const rows: Row[] = present ? readFileSync(FILE, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Row) : [];

  it('12,031 requests; lengths, duration and block counts agree with an independent pass over the file', async () => {
    const s = await traceStats(await openTrace(FILE));
    expect(rows).toHaveLength(12_031);
    expect(s.requests).toBe(12_031);
    const sumIn = rows.reduce((t, r) => t + r.input_length, 0);
    const sumOut = rows.reduce((t, r) => t + r.output_length, 0);
    expect(s.promptTokens.mean).toBeCloseTo(sumIn / rows.length, 9);
    expect(s.outputTokens.mean).toBeCloseTo(sumOut / rows.length, 9);
    expect(s.promptTokens.max).toBe(Math.max(...rows.map((r) => r.input_length)));
    expect(s.durationS).toBe((rows[rows.length - 1].timestamp - rows[0].timestamp) / 1000);
    const ids = rows.flatMap((r) => r.hash_ids);
    const p = s.prefixSharing;
    expect(p?.blockTokens).toEqual([512]);
    expect(p?.blocks).toBe(ids.length);
    expect(p?.distinctBlocks).toBe(new Set(ids).size);
    expect(p?.repeatedBlocks).toBe(ids.length - new Set(ids).size);
    expect(p?.chainViolations).toBe(0);
    // The README beside the file: "About 36% of all prompt blocks repeat an earlier request's block".
    const repeated = (p?.repeatedBlocks as number) / (p?.blocks as number);
    expect(repeated).toBeGreaterThanOrEqual(0.36);
    expect(repeated).toBeLessThan(0.37);
  });

  it('every row has exactly ceil(input_length / 512) hash ids: the block size the reader assumes', () => {
    expect(MOONCAKE_BLOCK_TOKENS).toBe(512);
    const off = rows.filter((r) => r.hash_ids.length !== Math.ceil(r.input_length / MOONCAKE_BLOCK_TOKENS));
    expect(off).toHaveLength(0);
  });

  it('the reader maps rows one to one (ids in order, ms to s)', async () => {
    const source = await openTrace(FILE, { first: 50 });
    const got = [];
    for await (const chunk of source.chunks()) got.push(...chunk);
    got.forEach((r, i) => {
      expect(r.promptTokens).toBe(rows[i].input_length);
      expect(r.outputTokens).toBe(rows[i].output_length);
      expect(r.prefixBlockIds).toEqual(rows[i].hash_ids);
      expect(r.arrivalS).toBe((rows[i].timestamp - rows[0].timestamp) / 1000);
    });
  });

  it('the registry entry matches the file (sha256, size, count, URL) and resolves through KVSIM_TRACE_DIR', async () => {
    const entry = traceRegistry()['mooncake-conversation'];
    const bytes = readFileSync(FILE);
    expect(entry.format).toBe('mooncake');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
    expect(bytes.length).toBe(entry.sizeBytes);
    expect(entry.requests).toBe(rows.length);
    expect(entry.url.endsWith(`/${entry.file}`)).toBe(true);
    expect(readFileSync(join(DIR, 'README.md'), 'utf8')).toContain(entry.sha256);
    const saved = process.env.KVSIM_TRACE_DIR;
    process.env.KVSIM_TRACE_DIR = DIR;
    try {
      const s = await traceStats(await openTrace('mooncake-conversation', { first: 100 }));
      expect(s.requests).toBe(100);
      expect(s.prefixSharing?.requestsWithBlockIds).toBe(100);
    } finally {
      if (saved === undefined) delete process.env.KVSIM_TRACE_DIR;
      else process.env.KVSIM_TRACE_DIR = saved;
    }
  });
});
