#!/usr/bin/env node
// Prints, one per line, the node_modules package folders (relative to the project root) that the named
// packages need at run time: each package and, transitively, its dependencies and optional dependencies
// as Node would resolve them from where they are installed (nested node_modules included). Used by
// bench/gpu/pack-gpu-tests.sh to carry vitest, cmake-js and kvsim's runtime dependencies to the GPU
// machine without the dev tools (typescript, deno, playwright) that do not fit the 64 MiB carry.
// Usage: node bench/gpu/nodeModulesClosure.mjs PACKAGE... ; exits 1 naming a required package not installed.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = process.cwd();
const names = process.argv.slice(2);
if (names.length === 0) {
  process.stderr.write('nodeModulesClosure: expected at least one package name as an argument\n');
  process.exit(1);
}

/** The folder Node's resolution finds for `name` starting at `from`, or undefined. */
function resolvePackage(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dirname(dir) === dir) return undefined;
  }
}

const found = new Set();
const missing = [];
function visit(name, from, optional) {
  const dir = resolvePackage(name, from);
  if (!dir) {
    // Optional dependencies for other platforms (e.g. @rolldown/binding-darwin-arm64) are never installed.
    if (!optional) missing.push(`${name} (needed from ${relative(root, from) || '.'})`);
    return;
  }
  if (found.has(dir)) return;
  found.add(dir);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false);
  for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
}
for (const n of names) visit(n, root, false);
if (missing.length > 0) {
  process.stderr.write(`nodeModulesClosure: not installed: ${missing.join(', ')}; run \`npm ci\` first\n`);
  process.exit(1);
}
process.stdout.write(`${[...found].map((d) => relative(root, d)).sort().join('\n')}\n`);
