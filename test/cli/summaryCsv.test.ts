import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvParse } from 'd3';
import { afterAll, describe, expect, it } from 'vitest';
import { runKvsim } from './runKvsim.js';

const dir = mkdtempSync(join(tmpdir(), 'kvsim-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('replay --csv summary.csv (issue 16 item 5)', () => {
  it('flattens drop reasons into columns, quotes fields with commas, and parses back', async () => {
    // A trace whose path holds a comma and a quote, with requests too long for --max-model-len 600.
    const trace = join(dir, 'a,"b".jsonl');
    writeFileSync(trace, [0, 1, 2, 3].map((i) => JSON.stringify({ arrivalS: i * 0.5, promptTokens: 200 + 300 * i, outputTokens: 50 })).join('\n') + '\n');
    const csv = join(dir, 'out');
    const r = await runKvsim(['replay', '--trace', trace, '--model', 'llama-3-8b', '--policy', 'static,paged', '--max-model-len', '600', '--cost-model', 'roofline', '--no-progress', '--csv', csv]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const text = readFileSync(join(csv, 'summary.csv'), 'utf8');
    expect(text).not.toContain('[object Object]');
    const rows = csvParse(text);
    expect(rows).toHaveLength(2);
    expect(rows[0].trace).toBe(trace);
    expect(rows.columns).toContain('dropReasons_too-long');
    expect(rows.map((x) => x['dropReasons_too-long'])).toEqual(['2', '2']);
    expect(rows.columns).toContain('ttftS_p99');
  });
});
