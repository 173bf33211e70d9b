import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * What `npm pack` puts in the tarball (issue 16.7): the runtime (dist, bin, native sources, kernels,
 * profiles, trace registry and samples, schemas) and LICENSE, nothing a user does not run: no tests,
 * benchmarks, notebooks, TypeScript sources, source maps pointing at unshipped sources, or the
 * validation data and GPU test logs under profiles/ (megabytes, read only by notebooks and tests).
 * dist/ is whatever is built here, so the test checks what "files" admits, not the build itself.
 */
interface Pack {
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string; size: number }[];
}
interface PackageJson {
  license: string;
  files: string[];
  exports: Record<string, string | { types: string; import: string }>;
  scripts: Record<string, string>;
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as PackageJson;

describe('the npm package', () => {
  it('names only paths that exist (dist is built), and ships the Apache-2.0 text package.json names', () => {
    for (const entry of pkg.files.filter((f) => !f.startsWith('!') && f !== 'dist')) expect(existsSync(entry), entry).toBe(true);
    expect(pkg.license).toBe('Apache-2.0');
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    // A stale dist (files of deleted sources) must not be packed: prepack rebuilds it from scratch.
    expect(pkg.scripts.prepack).toMatch(/rmSync\('dist'.*tsc -p tsconfig\.build\.json/);
  });

  it('npm pack --dry-run: runtime files only', () => {
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Pack[];
    const paths = pack.files.map((f) => f.path);
    const top = new Set(paths.map((p) => p.split('/')[0]));
    expect([...top].sort()).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'bin', 'kernels', 'native', 'package.json', 'profiles', 'schemas', 'traces']));
    for (const dir of ['src', 'test', 'bench', 'notebooks', '.ci', '.device', 'test-output', 'node_modules']) expect(top.has(dir), dir).toBe(false);
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    expect(paths.filter((p) => /^profiles\/[^/]+\/(validation|gpu-tests)\//.test(p))).toEqual([]);
    // What the runtime reads: the CMake project of the addon, committed profiles, the schemas.
    expect(paths).toContain('native/CMakeLists.txt');
    expect(paths).toContain('profiles/h100-sxm-80gb/llama-3-8b.json');
    expect(paths).toContain('traces/registry.json');
    for (const schema of ['kvsim.run-1', 'kvsim.validation-1', 'kvsim.profile-1']) expect(paths).toContain(`schemas/${schema}.schema.json`);
    console.log(`npm pack --dry-run: ${pack.entryCount} files, ${(pack.size / 1024).toFixed(0)} KiB packed, ${(pack.unpackedSize / 1024).toFixed(0)} KiB unpacked (dist as built here)`);
  });

  it('its declarations typecheck in a strict consumer without @types/node or @types/d3 (skipLibCheck off)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kvsim-consumer-'));
    try {
      const pkgDir = join(dir, 'node_modules', 'kvsim');
      mkdirSync(pkgDir, { recursive: true });
      copyFileSync('package.json', join(pkgDir, 'package.json'));
      const tsc = resolve('node_modules', '.bin', 'tsc');
      const build = spawnSync(tsc, ['-p', 'tsconfig.build.json', '--outDir', join(pkgDir, 'dist'), '--emitDeclarationOnly'], { encoding: 'utf8' });
      expect(build.status, build.stdout).toBe(0);
      writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: [] }, include: ['use.ts'] }),
      );
      // Every entry point, with each declaration file pulled in through `typeof import`.
      writeFileSync(
        join(dir, 'use.ts'),
        [
          "import type * as kvsim from 'kvsim';",
          "import type * as report from 'kvsim/report';",
          "import type * as gpu from 'kvsim/gpu';",
          'export type Entries = [typeof kvsim, typeof report, typeof gpu];',
          "export type Run = kvsim.RunResult['summary']['ttftS']['p99'];",
          '',
        ].join('\n'),
      );
      const check = spawnSync(tsc, ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
      expect(check.stdout + check.stderr).toBe('');
      expect(check.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
