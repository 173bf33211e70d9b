import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TraceStats } from '../../src/sim/trace/traceStats.js';
import { SHARED_TRACE_DIR, tmpTraceDir } from '../sim/trace/tmpTrace.js';
import { kvsim } from './traceHarness.js';

const CONV = join(SHARED_TRACE_DIR, 'AzureLLMInferenceTrace_conv.csv');
const present = existsSync(CONV);
const write = tmpTraceDir();

describe('kvsim trace stats', () => {
  it.skipIf(!present)(`done criterion: the Azure conv trace has 19,366 requests, prompt median 1020, output median 129${present ? '' : ` (skipped: ${CONV} absent)`}`, async () => {
    const { out, err, code } = await kvsim(['trace', 'stats', CONV]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('requests  19,366');
    expect(out).toMatch(/^prompt tokens\s+1,020\s+2,734\.5\s/m);
    expect(out).toMatch(/^output tokens\s+129\s+424\s/m);
    expect(out).toMatch(/^duration  3,501\.7 s$/m);
    expect(out).toMatch(/^rate      5\.530 requests\/s$/m);
    const json = JSON.parse((await kvsim(['trace', 'stats', CONV, '--json'])).out) as TraceStats;
    expect(json.requests).toBe(19_366);
    expect(json.promptTokens.p50).toBe(1020);
    expect(json.outputTokens.p50).toBe(129);
  });

  it('works on synthetic specs and with transformations', async () => {
    const { out, code } = await kvsim(['trace', 'stats', 'synthetic:code', '--count', '300', '--rate', '2', '--json']);
    expect(code).toBe(0);
    const s = JSON.parse(out) as TraceStats;
    expect(s.requests).toBe(300);
    expect(s.ratePerS).toBeCloseTo(2, 9);
  });

  it('a malformed row: exit 2 and one line naming file, line and field', async () => {
    const path = write('bad.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.9799600,10,1\n2023-11-16 18:17:04.0000000,12a,1\n');
    const { out, err, code } = await kvsim(['trace', 'stats', path]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`kvsim: ${path}:3: ContextTokens: expected a positive integer but found "12a"\n`);
  });

  it('--skip-invalid: counts and first reasons on stderr, stats of the rest on stdout', async () => {
    const path = write('skip.csv', 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03,10,1\n2023-11-16 18:17:04,x,1\n2023-11-16 18:17:05,30,3\n');
    const { out, err, code } = await kvsim(['trace', 'stats', path, '--skip-invalid', '--json']);
    expect(code).toBe(0);
    expect(err).toBe(`kvsim: skipped 1 invalid row of ${path}:\n  ${path}:3: ContextTokens: expected a positive integer but found "x"\n`);
    expect((JSON.parse(out) as TraceStats).requests).toBe(2);
  });

  it('bad options and unknown traces: exit 2, one line', async () => {
    for (const args of [
      ['trace', 'stats', 'synthetic:conv', '--first', '0'],
      ['trace', 'stats', 'synthetic:conv', '--rate', 'fast'],
      ['trace', 'stats', 'synthetic:conv', '--arrival', 'bursty'],
      ['trace', 'stats', 'nope.csv'],
      ['trace', 'stats', 'synthetic:conv', '--bogus'],
    ]) {
      const { err, code } = await kvsim(args);
      expect(code, args.join(' ')).toBe(2);
      expect(err.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(err.startsWith('kvsim: ')).toBe(true);
    }
    expect((await kvsim(['trace', 'stats', 'synthetic:conv', '--first', '0'])).err).toBe('kvsim: Expected an integer >= 1 for --first but received 0\n');
  });
});

describe('progress on stderr', () => {
  it('only on a terminal, only after a second, ending its line', async () => {
    const { withRowProgress } = await import('../../src/cli/traceArgs.js');
    const { vi } = await import('vitest');
    const chunk = [{ id: 0, arrivalS: 0, promptTokens: 1, outputTokens: 1 }];
    const source = {
      name: 't',
      async *chunks() {
        for (let i = 0; i < 4; i++) yield chunk;
      },
    };
    const drain = async (s: { chunks(): AsyncIterable<unknown> }) => {
      for await (const _ of s.chunks());
    };
    let clock = 0;
    const now = vi.spyOn(Date, 'now').mockImplementation(() => (clock += 400));
    let err = '';
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    const tty = process.stderr.isTTY;
    try {
      process.stderr.isTTY = false;
      await drain(withRowProgress(source, 'reading'));
      expect(err).toBe('');
      process.stderr.isTTY = true;
      await drain(withRowProgress(source, 'reading'));
      expect(err).toMatch(/^(\rreading t: \d requests)+\n$/);
      expect(err.endsWith('\rreading t: 4 requests\n')).toBe(true);
    } finally {
      process.stderr.isTTY = tty;
      write.mockRestore();
      now.mockRestore();
    }
  });
});
