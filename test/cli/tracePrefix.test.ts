import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectTrace } from '../../src/sim/trace/collectTrace.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';
import type { TraceStats } from '../../src/sim/trace/traceStats.js';
import { tmpTraceDir } from '../sim/trace/tmpTrace.js';
import { kvsim } from './traceHarness.js';

const MOONCAKE = join(process.cwd(), '..', 'shared', 'traces', 'mooncake-fast25', 'conversation_trace.jsonl');
const present = existsSync(MOONCAKE);
const write = tmpTraceDir();

describe('kvsim trace stats and gen with prefix block ids', () => {
  it.skipIf(!present)(`trace stats on the Mooncake conversation trace reports prefix sharing${present ? '' : ` (skipped: ${MOONCAKE} absent)`}`, async () => {
    const { out, err, code } = await kvsim(['trace', 'stats', MOONCAKE]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('requests  12,031');
    expect(out).toContain('prefix sharing (block ids of 512 tokens on 12,031 requests)');
    const json = JSON.parse((await kvsim(['trace', 'stats', MOONCAKE, '--json'])).out) as TraceStats;
    const p = json.prefixSharing;
    expect(p?.chainViolations).toBe(0);
    // The text shows the JSON's figures.
    expect(out).toContain(`  blocks              ${p?.blocks.toLocaleString('en-US')} (${p?.distinctBlocks.toLocaleString('en-US')} distinct)`);
    expect(out).toContain(`  seen before         ${p?.repeatedBlocks.toLocaleString('en-US')} blocks, ${(100 * (p?.repeatedTokenFraction as number)).toFixed(1)}% of prompt tokens`);
  });

  it('traces without block ids print no prefix section', async () => {
    const { out, code } = await kvsim(['trace', 'stats', 'synthetic:conv', '--count', '50']);
    expect(code).toBe(0);
    expect(out).not.toContain('prefix sharing');
  });

  it('gen --preset multiturn: same bytes each time, and the JSONL reads back with its block ids', async () => {
    const args = ['gen', '--preset', 'multiturn', '--count', '300', '--seed', '4'];
    const a = await kvsim(args);
    const b = await kvsim(args);
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    const back = await collectTrace(await openTrace(write('multi.jsonl', a.out)));
    const direct = await collectTrace(await openTrace('synthetic:multiturn', { count: 300, seed: 4 }));
    expect(back).toEqual(direct);
    expect(back.every((r) => r.prefixBlockIds !== undefined && r.prefixBlockTokens === 16)).toBe(true);
  });

  it('gen to a CSV format says how many requests lost their block ids', async () => {
    const path = write('ids.jsonl', '{"arrivalS":0,"promptTokens":40,"outputTokens":1,"prefixBlockIds":[1,2,3],"prefixBlockTokens":16}\n{"arrivalS":1,"promptTokens":5,"outputTokens":1}\n');
    const r = await kvsim(['gen', '--from', path, '--out-format', 'vidur']);
    expect(r.code).toBe(0);
    expect(r.out).toBe('arrived_at,num_prefill_tokens,num_decode_tokens\n0,40,1\n1,5,1\n');
    expect(r.err).toBe('kvsim: warning: vidur cannot hold prefix block ids; 1 request lost theirs (--out-format jsonl keeps them)\n');
    const kept = await kvsim(['gen', '--from', path]);
    expect(kept.err).toBe('');
    expect(kept.out.split('\n')[0]).toBe('{"id":0,"arrivalS":0,"promptTokens":40,"outputTokens":1,"prefixBlockIds":[1,2,3],"prefixBlockTokens":16}');
  });
});
