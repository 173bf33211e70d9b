import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { checkOutputDir, checkOutputPath } from '../../src/io/checkOutputPath.js';
import { pendingTempFiles } from '../../src/io/pendingTemps.js';
import { writeJsonOutput, writeTextOutput } from '../../src/io/writeJsonOutput.js';
import { writeOutput } from '../../src/io/writeOutput.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kvsim-io-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const only = () => readdirSync(dir).sort();

describe('writeOutput', () => {
  it('writes the bytes, replaces an old regular file and leaves no temporary file', async () => {
    const path = join(dir, 'r.json');
    writeFileSync(path, 'old');
    await writeJsonOutput(path, { a: [1, Number.NaN, 3], b: 'x' });
    expect(readFileSync(path, 'utf8')).toBe('{"a":[1,null,3],"b":"x"}\n');
    expect(only()).toEqual(['r.json']);
    expect(pendingTempFiles()).toEqual([]);
  });

  it('gzips a .gz target', async () => {
    const path = join(dir, 't.jsonl.gz');
    await writeTextOutput(path, 'hello\n');
    expect(gunzipSync(readFileSync(path)).toString()).toBe('hello\n');
  });

  it('keeps the old file and removes the temporary one when the writer fails', async () => {
    const path = join(dir, 'r.json');
    writeFileSync(path, 'old');
    await expect(
      writeOutput(path, (out) => {
        out.write('partial');
        throw new UserError('X', 'bad row 3');
      }),
    ).rejects.toThrow('bad row 3');
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(only()).toEqual(['r.json']);
  });

  it('refuses a directory, a symlink and a FIFO at the target, naming the option', async () => {
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'real'), 'keep');
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    await expect(writeTextOutput(join(dir, 'd'), 'x', { option: '--json' })).rejects.toThrow(/^--json .*d: is a directory/);
    await expect(writeTextOutput(join(dir, 'link'), 'x', { option: '--report' })).rejects.toThrow(/is a symbolic link/);
    expect(lstatSync(join(dir, 'link')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'real'), 'utf8')).toBe('keep');
    let fifo = false;
    try {
      execFileSync('mkfifo', [join(dir, 'fifo')]);
      fifo = true;
    } catch {
      // no mkfifo here: the FIFO case is covered where it exists
    }
    if (fifo) {
      await expect(writeTextOutput(join(dir, 'fifo'), 'x', { option: '-o' })).rejects.toThrow(/is a FIFO/);
      expect(lstatSync(join(dir, 'fifo')).isFIFO()).toBe(true);
    }
  });

  it('refuses /dev/null-like devices without replacing them', () => {
    expect(() => checkOutputPath('/dev/null', '--out')).toThrow(/is a device|not writable/);
  });

  it('says which directory is missing, before any work', () => {
    expect(() => checkOutputPath(join(dir, 'nope', 'r.json'), '--json')).toThrow(/^--json .*: directory .*nope does not exist; create it first$/);
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => checkOutputPath(join(dir, 'file', 'r.json'), '--json')).toThrow(/is not a directory/);
    expect(() => checkOutputDir(join(dir, 'file', 'sub'), '--csv')).toThrow(/file is not a directory/);
    expect(() => checkOutputDir(join(dir, 'new', 'deeper'), '--csv')).not.toThrow();
  });

  it('turns a stream failure into one line and never hangs (a writer that ignores backpressure)', async () => {
    const path = join(dir, 'r.txt');
    await expect(
      writeOutput(path, async (out) => {
        out.destroy(Object.assign(new Error('no space'), { code: 'ENOSPC', syscall: 'write' }));
        await new Promise((r) => setTimeout(r, 5));
        out.write('more');
      }, { option: '--csv' }),
    ).rejects.toThrow(/^--csv .*r\.txt: cannot write \(no space left on the device, ENOSPC\); nothing was written there$/);
    expect(existsSync(path)).toBe(false);
    expect(only()).toEqual([]);
  });
});
