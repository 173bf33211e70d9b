// Cell-wise median of several calibration profiles of one card and model (`kvsim calibrate` run more than
// once): every kernel table whose axes agree across the inputs gets the median of its cells; enactment
// fits, allReduce and everything else come from the first input. Why: single large-GEMM cells move by
// +-4-5 % between calibrations of one day (H100 2026-12-06: the 8,192-token layer-GEMM cell 4.52-4.90 ms
// over five calibrations), and the Mooncake V1 validation's mixed iterations, priced from the lowest of
// them, were under-predicted by 4.6 %; re-priced on the same recorded GPU plans (bench/gpu/reprice.mjs)
// with the median of the five, -1.3 % (prefill-only -3.7 % -> 0.0 %).
// Usage: node bench/gpu/medianProfiles.mjs [--tables layerGemm,lmHead] OUT.json FIRST.json OTHER.json [...]
// Give calibrations made the same way (e.g. not table-by-table and interleaved attention tables together),
// or restrict the median to some top-level tables with --tables. Tables whose axes differ between inputs
// are taken from FIRST and listed; the method string says which tables are medians of how many files.
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Median of numbers (the lower middle for an even count, as kvsim's nearest-rank percentiles). */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.ceil(s.length / 2) - 1];
}

const NOT_KERNEL_TABLES = new Set(['enactment', 'allReduce', 'shape', 'derivedFrom']);

/** Whether `t` is a kernel table: { timeS, x } (1-D) or { timeS, a, b } (2-D). */
function isTable(t) {
  return t && typeof t === 'object' && Array.isArray(t.timeS) && (Array.isArray(t.x) || (Array.isArray(t.a) && Array.isArray(t.b)));
}

function sameAxes(a, b) {
  return JSON.stringify([a.x, a.a, a.b]) === JSON.stringify([b.x, b.a, b.b]);
}

/**
 * The median profile of `profiles` (parsed JSON), with `names` for the method string. Returns
 * { profile, medianTables, keptTables }.
 */
export function medianProfile(profiles, names, only) {
  if (profiles.length < 2) throw new Error('medianProfiles: give at least two profiles');
  const [first] = profiles;
  for (const [i, p] of profiles.entries()) {
    if (p.gpu !== first.gpu || p.model !== first.model || p.tp !== first.tp) throw new Error(`medianProfiles: ${names[i]} is ${p.gpu}/${p.model}/tp${p.tp}, the first is ${first.gpu}/${first.model}/tp${first.tp}`);
    if (p.derivedFrom) throw new Error(`medianProfiles: ${names[i]} is a predicted profile (derivedFrom), not a measurement`);
  }
  const out = structuredClone(first);
  const medianTables = [];
  const keptTables = [];
  const walk = (node, path, others) => {
    for (const [k, v] of Object.entries(node)) {
      if (path === '' && (NOT_KERNEL_TABLES.has(k) || (only && !only.includes(k)))) continue;
      const here = path ? `${path}.${k}` : k;
      const twins = others.map((o) => o?.[k]);
      if (isTable(v)) {
        if (twins.every((t) => isTable(t) && sameAxes(v, t))) {
          const all = [v, ...twins];
          v.timeS = v.timeS.map((row, i) => (Array.isArray(row) ? row.map((_, j) => median(all.map((t) => t.timeS[i][j]))) : median(all.map((t) => t.timeS[i]))));
          medianTables.push(here);
        } else {
          keptTables.push(here);
        }
      } else if (v && typeof v === 'object' && !Array.isArray(v)) {
        walk(v, here, twins);
      }
    }
  };
  walk(out, '', profiles.slice(1));
  out.method = `${first.method}; kernel tables ${medianTables.length > 0 ? 'cell-wise median' : 'none median'} of ${profiles.length} calibrations (${names.join(', ')}) by bench/gpu/medianProfiles.mjs${keptTables.length ? `; from the first only (axes differ): ${keptTables.join(', ')}` : ''}; enactment from the first`;
  return { profile: out, medianTables, keptTables };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const t = args.indexOf('--tables');
  const only = t >= 0 ? args.splice(t, 2)[1]?.split(',') : undefined;
  if (t >= 0 && !only?.length) {
    console.error('medianProfiles: --tables needs a comma list of top-level tables (e.g. layerGemm,lmHead)');
    process.exit(2);
  }
  const [outPath, ...inputs] = args;
  if (!outPath || inputs.length < 2) {
    console.error('usage: node bench/gpu/medianProfiles.mjs OUT.json FIRST.json OTHER.json [OTHER.json ...]');
    process.exit(2);
  }
  const { profile, medianTables, keptTables } = medianProfile(inputs.map((f) => JSON.parse(readFileSync(f, 'utf8'))), inputs, only);
  writeFileSync(outPath, `${JSON.stringify(profile, null, 1)}\n`);
  console.log(`medianProfiles: wrote ${outPath}: ${medianTables.length} tables median of ${inputs.length}${keptTables.length ? `, ${keptTables.length} from the first (axes differ): ${keptTables.join(', ')}` : ''}`);
}
