// @ts-check
// Import-time benchmark: how long `import` of each given module takes in a fresh Node process, the
// entries run interleaved (A B C A B C ...) so machine load hits them alike. Results are printed, never
// asserted. Usage: node bench/importTime.js [--runs N] <module path or package name>...
// Each child prints performance.now() before and after `await import(entry)`; the table shows the
// median and the fastest of the import times, and the median whole-process wall time (spawn to exit).
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
let runs = 9;
const entries = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--runs') runs = Math.max(1, Number(argv[++i]));
  else entries.push(argv[i]);
}
if (entries.length === 0) {
  console.error('usage: node bench/importTime.js [--runs N] <module path>...');
  process.exit(2);
}

/** @param {string} entry */
const specifier = (entry) => (entry.startsWith('.') || entry.startsWith('/') ? pathToFileURL(resolve(entry)).href : entry);
const child = (/** @type {string} */ spec) =>
  `const t0 = performance.now(); await import(${JSON.stringify(spec)}); console.log(performance.now() - t0);`;

/** @type {Map<string, { importMs: number[], wallMs: number[] }>} */
const times = new Map(entries.map((e) => [e, { importMs: [], wallMs: [] }]));
for (let r = 0; r < runs; r++) {
  for (const entry of entries) {
    const t0 = performance.now();
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', child(specifier(entry))], { encoding: 'utf8' });
    const wall = performance.now() - t0;
    if (out.status !== 0) throw new Error(`import of ${entry} failed: ${out.stderr.trim().split('\n')[0]}`);
    const t = times.get(entry);
    t?.importMs.push(Number(out.stdout.trim()));
    t?.wallMs.push(wall);
  }
}

/** @param {number[]} xs */
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(`import time, ${runs} fresh processes per entry, interleaved; node ${process.version}; load avg ${loadavg()[0].toFixed(2)}`);
console.log('entry | import ms median | import ms min | process wall ms median');
for (const [entry, t] of times) {
  console.log(`${entry} | ${median(t.importMs).toFixed(0)} | ${Math.min(...t.importMs).toFixed(0)} | ${median(t.wallMs).toFixed(0)}`);
}
