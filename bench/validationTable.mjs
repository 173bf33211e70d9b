// Builds README.md's validation table from the committed validation files, so the README can never
// quote a figure no file holds (issue 21 item 4). Reads every PROFILES/<gpu>/validation/<name>.validation.json
// (`kvsim validate --json`, schemas/kvsim.validation-1.schema.json) and, where committed beside it, the
// two run files <name>.sim.json[.gz] / <name>.gpu.json[.gz] (`kvsim validate --runs`): the scheduler, the
// request count and the profile's calibration date are recorded only there. A field no file records
// prints '-'; a statistic recorded as null (NaN: no iterations) prints 'n/a'. Nothing else is derived.
// Output is a pure function of the files (test/readme/validationTable.test.ts checks the README block).
//
// Usage: node bench/validationTable.mjs [--profiles DIR] [--readme FILE] [--write]
//   prints the block (markers included) to stdout; --write replaces the block in the README instead.
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const BEGIN = '<!-- validation-table:begin -->';
export const END = '<!-- validation-table:end -->';
export const WRITE_COMMAND = 'node bench/validationTable.mjs --write';
const MISSING = '-';

/** Reads `<stem>.<kind>.json` or `<stem>.<kind>.json.gz`; undefined when neither is committed. */
function readRunFile(dir, stem, kind) {
  const plain = join(dir, `${stem}.${kind}.json`);
  if (existsSync(plain)) return JSON.parse(readFileSync(plain, 'utf8'));
  const gz = `${plain}.gz`;
  if (existsSync(gz)) return JSON.parse(gunzipSync(readFileSync(gz)).toString('utf8'));
  return undefined;
}

/** Every `<gpu>/validation` folder under the profiles root, in name order. */
function validationDirs(profilesDir) {
  return readdirSync(profilesDir)
    .sort()
    .map((gpu) => join(profilesDir, gpu, 'validation'))
    .filter((dir) => existsSync(dir) && statSync(dir).isDirectory());
}

/** Absolute error as a percentage (the per-iteration statistics are |sim - gpu| / gpu). */
function pct(x) {
  if (x === undefined) return MISSING;
  if (x === null) return 'n/a';
  return `${(x * 100).toFixed(2)}%`;
}

/** Signed (sim - gpu) / gpu as a percentage, sign always shown so under- and over-prediction read apart. */
function signedPct(x) {
  if (x === undefined) return MISSING;
  if (x === null) return 'n/a';
  const s = (x * 100).toFixed(2);
  return Number(s) === 0 ? '0.00%' : `${x > 0 ? '+' : ''}${s}%`;
}

function text(x) {
  return x === undefined || x === null || x === '' ? MISSING : String(x);
}

/** The predictor string's arguments: `calibrated(CARD, PROFILE, ..., alloc=MODE)` -> [CARD, PROFILE, ...]. */
function predictorArgs(predictor) {
  const m = /^calibrated\((.*)\)$/.exec(predictor ?? '');
  return m ? m[1].split(',').map((s) => s.trim()) : undefined;
}

/** A profile path as the repository names it: recorded absolute paths under profiles/ are the same file. */
function repoPath(path) {
  const i = path.indexOf('profiles/');
  return i > 0 && path[i - 1] === '/' ? path.slice(i) : path;
}

function gib(bytes) {
  return `${Number((bytes / 2 ** 30).toFixed(2))} GiB`;
}

/** Policy cell: the recorded label, plus what the file records beside it (allocation mode, layout, KV memory). */
function policyCell(v) {
  const parts = [text(v.policy)];
  const alloc = predictorArgs(v.predictor)?.find((a) => a.startsWith('alloc='));
  if (alloc) parts.push(alloc);
  if (v.layout !== undefined && !String(v.policy).includes(v.layout)) parts.push(`layout=${v.layout}`);
  if (v.kvMemoryBytes !== undefined) parts.push(`KV ${gib(v.kvMemoryBytes)}`);
  return parts.join(', ');
}

/**
 * Profile cell: the profile the predictor named, with its calibration date when the sim run file records
 * it; a device-machine path (not in the repository) is shown as the `<model>.quick-profile.json` archived
 * beside the validation when there is one (quick: a coarse grid), and a host-speed probe's scaling of the
 * kernel tables is shown with it.
 */
function profileCell(v, sim, dir, stem) {
  const cm = sim?.config?.costModel;
  const path = cm?.profile ?? predictorArgs(v.predictor)?.[1];
  let name = path !== undefined ? repoPath(path) : v.predictor;
  if (name === undefined) return MISSING;
  // The archived quick profile of that calibration: the one named with this run's own suffix
  // (`<model>.<policy>.<trace>.2026-12-07f` -> `<model>.2026-12-07f.quick-profile.json`); for a run named by
  // its bare date or not at all, `<model>.<date>.quick-profile.json` or the undated `<model>.quick-profile.json`,
  // whichever has the calibration date the sim run records. A lettered or tagged run without its own archived
  // profile shows the device path only: the day's other quick profiles share its date, and any of them may be
  // another calibration's.
  const suffix = /\.(\d{4}-\d{2}-\d{2}[a-z]?(?:-[a-z0-9]+)?)$/.exec(stem ?? '')?.[1];
  const own = suffix ? [`${v.model}.${suffix}.quick-profile.json`] : [];
  const byDate = suffix === undefined || suffix === cm?.date ? [`${v.model}.${cm?.date}.quick-profile.json`, `${v.model}.quick-profile.json`] : [];
  const quick = [...own, ...byDate]
    .map((f) => join(dir, f))
    .find((f) => existsSync(f) && (cm?.date === undefined || JSON.parse(readFileSync(f, 'utf8')).date === cm.date));
  if (name.startsWith('/') && quick !== undefined) name = `${repoPath(resolve(quick))} (--quick grid; run on the device as ${name})`;
  const probe = v.hostProbe?.factor !== undefined ? `, kernel tables x${v.hostProbe.factor.toFixed(4)} (host-speed probe)` : '';
  return `${name}${cm?.date ? ` (${cm.date})` : ''}${probe}`;
}

function runsCell(gpu, sim) {
  if (gpu && sim) return 'yes';
  if (gpu) return 'gpu only';
  if (sim) return 'sim only';
  return 'no';
}

/** One table row per validation object (a file may hold an array of them). */
function rowsOfFile(dir, file) {
  const stem = file.slice(0, -'.validation.json'.length);
  const parsed = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const gpu = readRunFile(dir, stem, 'gpu');
  const sim = readRunFile(dir, stem, 'sim');
  return (Array.isArray(parsed) ? parsed : [parsed]).map((v) => {
    const it = v.summary?.perIteration;
    const e2e = v.summary?.endToEnd;
    const requests = v.first ?? gpu?.summary?.requests ?? sim?.summary?.requests;
    const date = typeof v.date === 'string' ? v.date.slice(0, 10) : undefined;
    return {
      sortCard: text(v.card),
      sortDate: date ?? '',
      sortStem: stem,
      cells: [
        `\`${stem}\``,
        text(v.card),
        text(v.model),
        policyCell(v),
        text(gpu?.config?.scheduler ?? sim?.config?.scheduler),
        v.trace !== undefined ? basename(v.trace) : MISSING,
        text(requests),
        text(v.timeScale),
        text(it?.count ?? v.iterations?.gpuS?.length),
        pct(it?.median),
        pct(it?.p95),
        pct(it?.p99),
        signedPct(e2e?.makespanS),
        `${signedPct(e2e?.ttftP50)} / ${signedPct(e2e?.ttftP99)}`,
        `${signedPct(e2e?.tbtP50)} / ${signedPct(e2e?.tbtP99)}`,
        profileCell(v, sim, dir, stem),
        text(date),
        runsCell(gpu, sim),
      ],
    };
  });
}

/** Run-file pairs committed without their validation JSON (e.g. a JSON that did not come back from the device). */
function orphanRuns(dir, files) {
  const stems = new Set(files.filter((f) => f.endsWith('.validation.json')).map((f) => f.slice(0, -'.validation.json'.length)));
  const orphans = new Map();
  for (const f of files) {
    const m = /^(.*)\.(gpu|sim)\.json(\.gz)?$/.exec(f);
    if (!m || stems.has(m[1])) continue;
    orphans.set(m[1], [...(orphans.get(m[1]) ?? []), m[2]]);
  }
  return [...orphans].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([stem, kinds]) => `\`${join(dir, stem)}\` (${kinds.sort().join(', ')})`);
}

const HEADER = ['file', 'card', 'model', 'policy', 'scheduler', 'trace', 'requests', 'time scale', 'iterations', 'median', 'p95', 'p99', 'makespan', 'TTFT p50 / p99', 'TBT p50 / p99', 'profile', 'date', 'runs'];

const cell = (s) => s.replace(/\|/g, '\\|');

/**
 * The README block, markers included. Rows: card, then newest day first, then file name, so the order
 * depends on the files alone. `profilesDir` is read as the relative path it is given (it is printed).
 */
export function validationTable(profilesDir) {
  const rows = [];
  const orphans = [];
  for (const dir of validationDirs(profilesDir)) {
    const files = readdirSync(dir).sort();
    for (const f of files) if (f.endsWith('.validation.json')) rows.push(...rowsOfFile(dir, f));
    orphans.push(...orphanRuns(dir, files));
  }
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  rows.sort((a, b) => cmp(a.sortCard, b.sortCard) || cmp(b.sortDate, a.sortDate) || cmp(a.sortStem, b.sortStem));
  const lines = [
    BEGIN,
    `<!-- generated from ${profilesDir}/*/validation/ by \`${WRITE_COMMAND}\`; do not edit by hand -->`,
    '',
    `| ${HEADER.join(' | ')} |`,
    `| ${HEADER.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.cells.map(cell).join(' | ')} |`),
    '',
    "'-': not recorded in that file (older files lack the scheduler, request count, time scale and profile date); " +
      'runs: whether both run files (`<file>.sim.json.gz`, `<file>.gpu.json.gz`) are committed beside the validation JSON; ' +
      "scheduler, requests and the profile's date come from those run files; time scale multiplies inter-arrival times. " +
      `Regenerate with \`${WRITE_COMMAND}\`.`,
  ];
  if (orphans.length > 0) lines.push('', `Run files without a validation JSON: ${orphans.join('; ')}.`);
  lines.push(END);
  return `${lines.join('\n')}\n`;
}

/** Replaces the block between the markers (inclusive) in `readme`; throws when the markers are not there once each. */
export function replaceBlock(readme, block) {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin || readme.indexOf(BEGIN, begin + 1) >= 0 || readme.indexOf(END, end + 1) >= 0) {
    throw new Error(`expected one ${BEGIN} ... ${END} block`);
  }
  const after = end + END.length + (readme[end + END.length] === '\n' ? 1 : 0);
  return readme.slice(0, begin) + block + readme.slice(after);
}

/** The block as the README holds it now (markers included), or undefined when it has none. */
export function currentBlock(readme) {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) return undefined;
  return `${readme.slice(begin, end + END.length)}\n`;
}

function main(argv) {
  let profilesDir = 'profiles';
  let readmePath = 'README.md';
  let write = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--write') write = true;
    else if (a === '--profiles' && argv[i + 1] !== undefined) profilesDir = argv[++i];
    else if (a === '--readme' && argv[i + 1] !== undefined) readmePath = argv[++i];
    else {
      process.stderr.write(`validationTable: unknown argument ${a}\nusage: node bench/validationTable.mjs [--profiles DIR] [--readme FILE] [--write]\n`);
      process.exit(1);
    }
  }
  const block = validationTable(profilesDir);
  if (!write) {
    process.stdout.write(block);
    return;
  }
  const readme = readFileSync(readmePath, 'utf8');
  const next = replaceBlock(readme, block);
  if (next !== readme) writeFileSync(readmePath, next);
  process.stderr.write(`validationTable: ${readmePath} ${next === readme ? 'already up to date' : 'updated'}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`validationTable: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
