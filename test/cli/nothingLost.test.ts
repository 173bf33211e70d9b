import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCliForTest } from './builtCli.js';

// kvsim as its own process: a signal or a full disk in the middle of a write must leave the old file
// or nothing, never a truncated file or a stray temporary one (issue 15, item 3).
let main = '';
let built = '';
const dir = mkdtempSync(join(tmpdir(), 'kvsim-lost-'));
beforeAll(() => {
  ({ main, root: built } = buildCliForTest());
}, 120_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (built) rmSync(built, { recursive: true, force: true });
});

function kvsim(args: string[], input?: string): { code: number | null; signal: string | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { cwd: dir, encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

const tmpFiles = (d: string) => readdirSync(d).filter((f) => f.endsWith('.tmp'));

describe('nothing lost', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} during gen -o leaves the old file and no temporary file`, async () => {
      const sub = mkdtempSync(join(dir, `${signal}-`));
      const out = join(sub, 'big.jsonl');
      writeFileSync(out, 'old contents\n');
      const child = spawn(process.execPath, [main, 'gen', '--preset', 'conv', '--count', '3000000', '-o', out], { cwd: sub, stdio: 'ignore' });
      // Wait until the temporary file exists and has bytes in it: the write is under way.
      const start = Date.now();
      for (;;) {
        const t = tmpFiles(sub);
        if (t.length > 0 && readFileSync(join(sub, t[0])).length > 0) break;
        if (Date.now() - start > 30_000) throw new Error('gen never started writing');
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill(signal);
      const [code, sig] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
      expect(sig ?? code).toBe(signal); // died of the signal, as without a handler
      expect(readFileSync(out, 'utf8')).toBe('old contents\n');
      expect(tmpFiles(sub)).toEqual([]);
    }, 60_000);
  }

  it('a broken pipe on stdout ends quietly and the --json file is still complete', () => {
    const json = join(dir, 'piped.json');
    const script = `"${process.execPath}" "${main}" replay --trace synthetic:conv --count 200 --model llama-3-8b --policy paged --cost-model roofline --json "${json}" | true; echo "rc=\${PIPESTATUS[0]}"`;
    const r = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('rc=0');
    expect(JSON.parse(readFileSync(json, 'utf8')).schema).toBe('kvsim.run/1');
    const stats = spawnSync('bash', ['-c', `"${process.execPath}" "${main}" trace stats synthetic:conv | head -c 10 >/dev/null; echo "rc=\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(stats.stderr).toBe('');
    expect(stats.stdout.trim()).toBe('rc=0');
  }, 60_000);

  it('the built CLI runs, and a flag without its value is one line, exit 2', () => {
    const r = kvsim(['memory', '--model', 'llama-3-8b', '--context', '1000']);
    expect(r.code).toBe(0);
    const bad = kvsim(['replay', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('kvsim: Option --json needs a value (e.g. --json FILE)\n');
  });

  it('a full disk (1 MiB tmpfs) fails in one line, exit 2, leaving the old file', (ctx) => {
    const mnt = join(dir, 'small');
    mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt], { stdio: 'pipe' });
    } catch (err) {
      ctx.skip(`cannot mount a tmpfs here (${String((err as Error).message).split('\n')[0]}): the full-disk case runs where mount is allowed (root, CI container with CAP_SYS_ADMIN)`);
      return;
    }
    try {
      const json = join(mnt, 'r.json');
      writeFileSync(json, '{"old":true}\n');
      const r = kvsim(['replay', '--trace', 'synthetic:conv', '--count', '2000', '--model', 'llama-3-8b', '--policy', 'paged', '--cost-model', 'roofline', '--json', json]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^kvsim: --json .*r\.json: cannot write \(no space left on the device, ENOSPC\); nothing was written there\n$/);
      expect(readFileSync(json, 'utf8')).toBe('{"old":true}\n');
      expect(tmpFiles(mnt)).toEqual([]);
      const g = kvsim(['gen', '--count', '200000', '-o', join(mnt, 't.jsonl')]);
      expect(g.code).toBe(2);
      expect(g.err.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(mnt, 't.jsonl'))).toBe(false);
      expect(tmpFiles(mnt)).toEqual([]);
    } finally {
      execFileSync('umount', [mnt]);
    }
  }, 60_000);
});
