import { existsSync, readFileSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { UserError } from '../../errors.js';
import type { VmmCosts } from './HardwareSpec.js';
import { profilesDir } from './profilesDir.js';

const us = 1e-6;
const MiB = 1024 * 1024;

interface VmmBenchRow {
  pageSizeBytes: number;
  pages: number;
  create: { medianUs: number };
  map: { medianUs: number };
  setAccessSingle: { medianUs: number };
  unmapSingle: { medianUs: number };
  release: { medianUs: number };
}

/**
 * Per-page VMM call costs of a GPU preset, from the one committed source: the card's
 * `kvsim gpu bench vmm` output (profiles/<gpu>/vmm.json, the 2 MiB row, median per call), else the
 * facts file (profiles/facts.json). Never a number typed into code, so the two cannot disagree.
 */
export function vmmFacts(gpu: string, dir = profilesDir()): VmmCosts {
  const bench = join(dir, gpu, 'vmm.json');
  const shown = (p: string) => relative(dirname(dir), p);
  if (existsSync(bench)) {
    const b = JSON.parse(readFileSync(bench, 'utf8')) as { schema: string; card: string; nvidiaSmi?: { driver?: string }; dateUtc: string; command?: string; vmmGranularityBytes: number; rows: VmmBenchRow[] };
    const r = b.rows.find((x) => x.pageSizeBytes === 2 * MiB);
    if (b.schema !== 'kvsim.vmmBench/1' || !r) throw new UserError('PROFILE_INVALID', `${bench}: expected a kvsim.vmmBench/1 file with a 2 MiB row`);
    return {
      granularityBytes: b.vmmGranularityBytes,
      createS: r.create.medianUs * us,
      mapS: r.map.medianUs * us,
      setAccessS: r.setAccessSingle.medianUs * us,
      unmapS: r.unmapSingle.medianUs * us,
      releaseS: r.release.medianUs * us,
      measuredPageBytes: r.pageSizeBytes,
      source: `measured: ${shown(bench)} (${b.card}, driver ${b.nvidiaSmi?.driver ?? '?'}, ${b.dateUtc.slice(0, 10)}, median of ${r.pages} calls, \`${b.command ?? 'kvsim gpu bench vmm'}\`)`,
    };
  }
  const factsPath = join(dir, 'facts.json');
  const facts = JSON.parse(readFileSync(factsPath, 'utf8')) as { vmm: Record<string, { card: string; pageBytes: number; createUs: number; mapUs: number; setAccessUs: number; unmapUs: number; releaseUs: number; source: string }> };
  const f = facts.vmm[gpu];
  if (!f) throw new UserError('PROFILE_MISSING', `no VMM costs for ${gpu}: neither ${shown(bench)} nor an entry in ${shown(factsPath)}; measure them with \`kvsim gpu bench vmm --json -o ${shown(bench)}\``);
  return {
    granularityBytes: 2 * MiB,
    createS: f.createUs * us,
    mapS: f.mapUs * us,
    setAccessS: f.setAccessUs * us,
    unmapS: f.unmapUs * us,
    releaseS: f.releaseUs * us,
    measuredPageBytes: f.pageBytes,
    source: `${f.source} (${shown(factsPath)})`,
  };
}
