import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { CommandModule } from 'yargs';
import { afterAll, describe, expect, it } from 'vitest';
import { closestFlag } from '../../src/cli/closestFlag.js';
import { quietPipes } from '../../src/cli/quietPipes.js';
import { runKvsim } from './runKvsim.js';

const dir = mkdtempSync(join(tmpdir(), 'kvsim-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const oneLine = (err: string) => err.endsWith('\n') && err.trim().split('\n').length === 1;

const boom: CommandModule = {
  command: 'boom',
  describe: 'throws a bug',
  handler: () => {
    const o = undefined as unknown as { x: () => void };
    o.x();
  },
};

describe('CLI errors (issue 15 item 4)', () => {
  it('an internal error is one line saying where to report it; --debug adds the stack', async () => {
    const r = await runKvsim(['boom'], [boom]);
    expect(r.code).toBe(1);
    expect(oneLine(r.err)).toBe(true);
    expect(r.err).toMatch(/^kvsim: internal error: .*undefined.* \(a bug: please report it to the kvsim issue tracker.*add --debug for the stack\)\n$/);
    const d = await runKvsim(['boom', '--debug'], [boom]);
    expect(d.err.split('\n').length).toBeGreaterThan(3);
    expect(d.err).toMatch(/\n\s+at /);
  });

  it('output paths are checked before the run: missing directory, a directory, a symlink', async () => {
    const missing = await runKvsim(['replay', '--trace', 'synthetic:conv:count=5', '--json', join(dir, 'no', 'r.json')]);
    expect(missing.code).toBe(2);
    expect(missing.out).toBe(''); // nothing ran
    expect(missing.err).toMatch(/^kvsim: --json .*r\.json: directory .*no does not exist; create it first\n$/);
    mkdirSync(join(dir, 'adir'));
    const isDir = await runKvsim(['replay', '--trace', 'synthetic:conv:count=5', '--report', join(dir, 'adir')]);
    expect(isDir.err).toMatch(/^kvsim: --report .*adir: is a directory; kvsim replaces only regular files/);
    writeFileSync(join(dir, 'target'), 'keep');
    symlinkSync(join(dir, 'target'), join(dir, 'link.jsonl'));
    const link = await runKvsim(['gen', '--count', '5', '-o', join(dir, 'link.jsonl')]);
    expect(link.code).toBe(2);
    expect(link.err).toMatch(/is a symbolic link/);
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('keep');
    const csvFile = await runKvsim(['replay', '--trace', 'synthetic:conv:count=5', '--csv', join(dir, 'target')]);
    expect(csvFile.err).toMatch(/^kvsim: --csv .*target: .*target is not a directory\n$/);
  });

  it('flags without a value, repeated flags and bad choices are one line, exit 2', async () => {
    for (const [args, re] of [
      [['replay', '--json'], /^kvsim: Option --json needs a value \(e\.g\. --json FILE\)\n$/],
      [['replay', '--trace'], /^kvsim: Option --trace needs a value/],
      [['replay', '--rate', '--json', 'x.json'], /^kvsim: Option --rate needs a value/],
      [['replay', '--gpu', 'a100', '--gpu', 'h200'], /^kvsim: Option --gpu was given 2 times \("a100", "h200"\); give it once\n$/],
      [['replay', '--backend', 'tpu'], /^kvsim: Expected one of "sim", "gpu" for --backend but received "tpu"\n$/],
      [['replay', '--polcy', 'paged'], /^kvsim: Unknown option --polcy \(did you mean --policy\?\)\n$/],
      [['gen', '-o'], /^kvsim: Option -o needs a value/],
    ] as const) {
      const r = await runKvsim([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(re);
    }
  });

  it('a JSONL line of 100,000 nested brackets is one line, exit 2 (no stack overflow)', async () => {
    const f = join(dir, 'deep.jsonl');
    writeFileSync(f, `{"arrivalS":0,"promptTokens":1,"outputTokens":1}\n${'['.repeat(100_000)}\n`);
    const r = await runKvsim(['trace', 'stats', f]);
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toBe(true);
    expect(r.err).toMatch(/deep\.jsonl:2/);
  });

  it('KVSIM_CACHE naming a file is one line before any download; offline errors name KVSIM_TRACE_DIR', async () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const before = { cache: process.env.KVSIM_CACHE, dir: process.env.KVSIM_TRACE_DIR };
    process.env.KVSIM_CACHE = file;
    delete process.env.KVSIM_TRACE_DIR;
    try {
      const r = await runKvsim(['trace', 'fetch', 'azure-conv-2023']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^kvsim: the trace cache \(\$KVSIM_CACHE=.*not-a-dir\) .*not-a-dir is not a directory\n$/);
      const offline = await runKvsim(['replay', '--trace', 'azure-code-2023']);
      expect(offline.code).toBe(2);
      expect(oneLine(offline.err)).toBe(true);
      expect(offline.err).toMatch(/KVSIM_TRACE_DIR/);
      expect(offline.err).toMatch(/pass the file's path as --trace/);
    } finally {
      if (before.cache === undefined) delete process.env.KVSIM_CACHE;
      else process.env.KVSIM_CACHE = before.cache;
      if (before.dir !== undefined) process.env.KVSIM_TRACE_DIR = before.dir;
    }
  });

  it('EPIPE on stdout is swallowed and later writes are dropped', async () => {
    const sink = new Writable({
      write(_chunk, _enc, cb) {
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    quietPipes([sink as unknown as NodeJS.WritableStream]);
    sink.write('a');
    await new Promise((r) => setImmediate(r));
    expect(sink.write('b')).toBe(true);
  });

  it('closestFlag suggests plausible typos only', () => {
    const known = ['request-rate', 'rate', 'policy', 'max-num-seqs', 'max-num-batched-tokens', 'json'];
    expect(closestFlag('request-rat', known)).toBe('request-rate');
    expect(closestFlag('max-num-seq', known)).toBe('max-num-seqs');
    expect(closestFlag('zzzzzzzzzz', known)).toBeUndefined();
  });
});
