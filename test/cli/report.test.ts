import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { runCli } from '../../src/cli/runCli.js';
import { syntheticRun } from '../report/fixtures/syntheticRun.js';
import { chartsIn } from '../report/reportDom.js';

/** Runs the CLI in-process and captures what it prints and its exit code. */
async function kvsim(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  process.exitCode = 0;
  try {
    await runCli(argv, COMMANDS);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'kvsim-report-'));
afterEach(() => vi.restoreAllMocks());

describe('kvsim report', () => {
  it('writes one HTML page from several files (single run, array, gzip) and reports what it wrote', async () => {
    const a = join(dir, 'static.json');
    const b = join(dir, 'two.json.gz');
    writeFileSync(a, JSON.stringify(syntheticRun('static')));
    writeFileSync(b, gzipSync(JSON.stringify([syntheticRun('paged'), syntheticRun('vattention')])));
    const out = join(dir, 'r.html');
    const res = await kvsim('report', a, b, '-o', out, '--title', 'Three policies');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/wrote .*r\.html \(3 runs, \d+ KiB\)/);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<title>Three policies</title>');
    expect(chartsIn(html).filter((c) => c.id.startsWith('memory-'))).toHaveLength(3);
  });

  it('plots validation pairs given with --validation', async () => {
    const a = join(dir, 'paged.json');
    const v = join(dir, 'val.json');
    writeFileSync(a, JSON.stringify(syntheticRun('paged')));
    writeFileSync(v, JSON.stringify({ schema: 'kvsim.validation/1', card: 'NVIDIA H200', model: 'llama-3-8b', policy: 'paged', trace: 't', iterations: { simS: [0.01, 0.02], gpuS: [0.011, 0.019] } }));
    const out = join(dir, 'v.html');
    expect((await kvsim('report', a, '--validation', v, '-o', out)).code).toBe(0);
    expect(chartsIn(readFileSync(out, 'utf8')).find((c) => c.id === 'validation')?.marks).toBe(2);
  });

  it.each([
    [['report', join(dir, 'missing.json')], /missing\.json: no such file/],
    [['report', '__BAD__'], /bad\.json: expected JSON but it does not parse/],
    [['report', '__WRONG__'], /wrong\.json: expected "schema": "kvsim\.run\/1"/],
    [['report'], /Not enough non-option arguments|runs/],
  ])('fails with one line and exit 2 on a user mistake (%#)', async (argv, message) => {
    writeFileSync(join(dir, 'bad.json'), '{"schema": ');
    writeFileSync(join(dir, 'wrong.json'), '{"schema": "something/1"}');
    const args = argv.map((x) => (x === '__BAD__' ? join(dir, 'bad.json') : x === '__WRONG__' ? join(dir, 'wrong.json') : x));
    const res = await kvsim(...args);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
  });
});
