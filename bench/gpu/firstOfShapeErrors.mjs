// Splits the per-iteration errors of committed validation files by whether the iteration is the
// first in its run with its token count (prefill + decode tokens: the M of every GEMM), no GPU needed.
// Usage: node bench/gpu/firstOfShapeErrors.mjs profiles/h100-sxm-80gb/validation/*.validation.json
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** Linear-interpolated quantile of an unsorted array (NaN when empty). */
function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const k = (s.length - 1) * q;
  const f = Math.floor(k);
  const c = Math.min(f + 1, s.length - 1);
  return s[f] + (s[c] - s[f]) * (k - f);
}
const pc = (x) => `${(x * 100).toFixed(1)}%`;
const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('firstOfShapeErrors: expected VALIDATION.json files\n');
  process.exit(1);
}
console.log('run | iterations | first-of-count | |err| p95 / p99 all | p95 / p99 repeats only | top 1% that are first-of-count | first-of-count gpu - sim ms, median / p90');
for (const f of files) {
  const it = JSON.parse(readFileSync(f, 'utf8')).iterations;
  const n = it.gpuS.length;
  const seen = new Set();
  const first = [];
  for (let i = 0; i < n; i++) {
    const tokens = it.prefillTokens[i] + it.decodeTokens[i];
    first.push(!seen.has(tokens));
    seen.add(tokens);
  }
  const err = it.gpuS.map((g, i) => Math.abs(it.simS[i] - g) / g);
  const repeats = err.filter((_, i) => !first[i]);
  const p99 = quantile(err, 0.99);
  const top = err.flatMap((e, i) => (e >= p99 ? [i] : []));
  const resid = it.gpuS.flatMap((g, i) => (first[i] ? [(g - it.simS[i]) * 1e3] : []));
  console.log(
    `${basename(f, '.validation.json')} | ${n} | ${first.filter(Boolean).length} | ${pc(quantile(err, 0.95))} / ${pc(p99)} | ${pc(quantile(repeats, 0.95))} / ${pc(quantile(repeats, 0.99))} | ${top.filter((i) => first[i]).length}/${top.length} | ${quantile(resid, 0.5).toFixed(2)} / ${quantile(resid, 0.9).toFixed(2)}`,
  );
}
