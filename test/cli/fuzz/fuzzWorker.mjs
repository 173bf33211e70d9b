// Runs kvsim command lines in-process inside a worker thread (compiled CLI from workerData.dist), one
// per message, and answers with stdout, stderr and the exit code. A worker, so the test's watchdog can
// terminate a case that spins (a sync loop never yields to a timer) and start a fresh worker.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const { runCli } = await import(pathToFileURL(join(workerData.dist, 'cli', 'runCli.js')).href);
const { COMMANDS } = await import(pathToFileURL(join(workerData.dist, 'cli', 'commands.js')).href);

const realOut = process.stdout.write.bind(process.stdout);
const realErr = process.stderr.write.bind(process.stderr);

parentPort.on('message', async ({ id, args, env }) => {
  let out = '';
  let err = '';
  process.stdout.write = (s) => ((out += String(s)), true);
  process.stderr.write = (s) => ((err += String(s)), true);
  const saved = {};
  for (const [k, v] of Object.entries(env ?? {})) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  process.exitCode = 0;
  let thrown;
  try {
    await runCli(args, COMMANDS);
  } catch (e) {
    thrown = String(e && e.stack ? e.stack : e);
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  parentPort.postMessage({ id, out: out.slice(0, 20000), outLength: out.length, err: err.slice(0, 20000), code, thrown });
});
parentPort.postMessage({ ready: true });
