// @ts-check
// One `kvsim ...` command exactly as a user runs it (yargs, --cost-model auto, the table on stdout), in
// this fresh process, reporting its own CPU time and peak RSS (start-up included) on stderr as a last
// line `BENCH {json}`: a spawned child's CPU time is not otherwise visible to bench/run.js.
// Usage: node bench/cliOnce.js replay --trace FILE --model llama-3-8b --policy paged
import { writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kvsim.js');
process.argv = [process.argv[0], bin, ...process.argv.slice(2)];
process.on('exit', () => {
  const cpu = process.cpuUsage();
  writeSync(2, `BENCH ${JSON.stringify({ cpuS: (cpu.user + cpu.system) / 1e6, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
});
await import('../dist/cli/main.js');
