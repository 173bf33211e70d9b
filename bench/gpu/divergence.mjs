// Where a simulator replay and a GPU replay of one trace part ways, from committed files, no GPU:
// per-phase per-iteration errors (the validation pairs: the simulator pricing the GPU's own plans),
// then the two independent replays compared iteration by iteration (first divergence: which
// iteration, which request, which decision, the clock difference there and where it came from),
// busy time by phase and request latency by part. The same text `kvsim validate` prints.
// Needs the built dist/ (npm run build).
// Usage: node bench/gpu/divergence.mjs FILE_PREFIX [--json]
//   reads FILE_PREFIX.validation.json, FILE_PREFIX.sim.json[.gz], FILE_PREFIX.gpu.json[.gz]
//   (what `kvsim validate --json P.validation.json --runs P` writes; bench/gpu/validate-v1.sh gzips the runs)
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { compareRuns } from '../../dist/sim/validation/compareRuns.js';
import { formatDrift, formatPhaseErrors } from '../../dist/sim/validation/formatDrift.js';

const [prefix, flag] = process.argv.slice(2);
if (!prefix || (flag !== undefined && flag !== '--json')) {
  process.stderr.write('divergence: expected FILE_PREFIX [--json] (FILE_PREFIX.validation.json, .sim.json[.gz] and .gpu.json[.gz] beside it)\n');
  process.exit(2);
}

function readJson(base) {
  for (const [path, gz] of [[base, false], [`${base}.gz`, true]]) {
    if (!existsSync(path)) continue;
    try {
      const bytes = readFileSync(path);
      return JSON.parse((gz ? gunzipSync(bytes) : bytes).toString('utf8'));
    } catch (e) {
      process.stderr.write(`divergence: ${path}: expected ${gz ? 'gzipped ' : ''}JSON but ${e.message}\n`);
      process.exit(2);
    }
  }
  process.stderr.write(`divergence: expected ${base} or ${base}.gz but found neither\n`);
  process.exit(2);
}

const v = readJson(`${prefix}.validation.json`);
const sim = readJson(`${prefix}.sim.json`);
const gpu = readJson(`${prefix}.gpu.json`);
for (const [name, r] of [['sim', sim], ['gpu', gpu]]) {
  if (r.schema !== 'kvsim.run/1') {
    process.stderr.write(`divergence: ${prefix}.${name}.json: expected "schema": "kvsim.run/1" but found ${JSON.stringify(r.schema)}\n`);
    process.exit(2);
  }
}
const s = compareRuns(sim, gpu, v.iterations);
if (flag === '--json') {
  process.stdout.write(`${JSON.stringify({ perPhase: s.perPhase, drift: s.drift, driftUnavailable: s.driftUnavailable }, null, 2)}\n`);
} else {
  process.stdout.write(`${prefix}: ${v.model} under ${v.policy} on ${v.card} (${v.date}), trace ${v.trace}\npredictor: ${v.predictor}\n`);
  const e = s.endToEnd;
  const p = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;
  process.stdout.write(`end to end (sim-gpu)/gpu: makespan ${p(e.makespanS)}, TTFT p50 ${p(e.ttftP50)} p99 ${p(e.ttftP99)}, TBT p50 ${p(e.tbtP50)} p99 ${p(e.tbtP99)}, E2E p50 ${p(e.e2eP50)} p99 ${p(e.e2eP99)}\n`);
  if (s.perPhase) process.stdout.write(formatPhaseErrors(s.perPhase));
  process.stdout.write(s.drift ? formatDrift(s.drift) : `independent replays not compared: ${s.driftUnavailable}\n`);
}
