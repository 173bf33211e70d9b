import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * Compiles src/ into a throw-away package (dist plus links to traces/, profiles/ and node_modules) so
 * a test can run kvsim as its own process: signals, broken pipes and exit codes need a real process.
 * Returns the path of its cli/main.js. Type errors elsewhere do not stop tsc from emitting.
 */
export function buildCliForTest(): { main: string; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'kvsim-built-'));
  for (const d of ['traces', 'profiles', 'node_modules']) symlinkSync(join(ROOT, d), join(root, d));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'kvsim', version: '0.0.0-test', type: 'module' }));
  mkdirSync(join(root, 'dist'));
  try {
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(root, 'dist'), '--sourceMap', 'false', '--declaration', 'false', '--declarationMap', 'false'], { stdio: 'pipe' });
  } catch {
    // emitted anyway; checked below
  }
  const main = join(root, 'dist', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`could not build the CLI into ${root}`);
  return { main, root };
}
