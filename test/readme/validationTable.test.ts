import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';

// README.md's validation table is derived, never edited: bench/validationTable.mjs must rebuild the
// block between the markers, byte for byte, from the committed profiles/*/validation/ files.

const SCRIPT = 'bench/validationTable.mjs';
const FIX = 'node bench/validationTable.mjs --write';
const BEGIN = '<!-- validation-table:begin -->';
const END = '<!-- validation-table:end -->';
const tmp = mkdtempSync(join(tmpdir(), 'kvsim-vtable-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function generate(...args: string[]): string {
  return execFileSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', stdio: 'pipe' });
}

/** The README's block, markers included, with the newline after the end marker (as the generator prints it). */
function readmeBlock(readme: string): string | undefined {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  return begin < 0 || end < begin ? undefined : `${readme.slice(begin, end + END.length)}\n`;
}

/** Table rows (header and separator dropped) as cell arrays. */
function rows(block: string): string[][] {
  return block
    .split('\n')
    .filter((l) => l.startsWith('| '))
    .slice(2)
    .map((l) => l.slice(2, -2).split(' | '));
}

const HEADER = ['file', 'card', 'model', 'policy', 'scheduler', 'trace', 'requests', 'time scale', 'iterations', 'median', 'p95', 'p99', 'makespan', 'TTFT p50 / p99', 'TBT p50 / p99', 'profile', 'date', 'runs'];
const col = (name: string) => HEADER.indexOf(name);

describe('README validation table', () => {
  it('README.md holds exactly what bench/validationTable.mjs generates from profiles/*/validation/', () => {
    const block = readmeBlock(readFileSync('README.md', 'utf8'));
    expect(block, `README.md has no ${BEGIN} ... ${END} block; add the markers and run: ${FIX}`).toBeDefined();
    expect(block, `README.md's validation table is stale; regenerate it with: ${FIX}`).toBe(generate());
  });

  it('has one row per committed validation object, each with every column', () => {
    let objects = 0;
    for (const gpu of readdirSync('profiles')) {
      const dir = join('profiles', gpu, 'validation');
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).filter((name) => name.endsWith('.validation.json'))) {
        const v: unknown = JSON.parse(readFileSync(join(dir, f), 'utf8'));
        objects += Array.isArray(v) ? v.length : 1;
      }
    }
    const table = rows(generate());
    expect(objects).toBeGreaterThan(0);
    expect(table).toHaveLength(objects);
    for (const r of table) expect(r).toHaveLength(HEADER.length);
  });
});

describe('bench/validationTable.mjs on a fixture', () => {
  const profiles = join(tmp, 'profiles');
  const full = {
    schema: 'kvsim.validation/1',
    card: 'Card B',
    model: 'm1',
    policy: 'vattention(page=2MiB)',
    trace: '/somewhere/traces/conv.csv',
    predictor: 'calibrated(Card B, /x/profiles/gpu-b/m1.json, alloc=sync)',
    date: '2026-12-06T01:02:03.000Z',
    layout: 'perLayer',
    kvMemoryBytes: 8 * 2 ** 30,
    first: 300,
    timeScale: 0.1,
    summary: {
      perIteration: { count: 2, median: 0.0123, p90: 0.02, p95: 0.0456, p99: null, max: 0.1, meanSigned: 0 },
      endToEnd: { makespanS: -0.0101, outputTokensPerS: 0, ttftP50: 0.25, ttftP90: 0, ttftP99: -0.00001, tbtP50: 0.02, tbtP90: 0, tbtP99: -0.03, e2eP50: 0, e2eP90: 0, e2eP99: 0 },
      targets: { iterationMedian: true, iterationP95: true, makespan: true },
    },
    iterations: { simS: [0.01, 0.02], gpuS: [0.011, 0.019] },
  };
  // An older file: only the fields the schema requires.
  const bare = { schema: 'kvsim.validation/1', card: 'Card B', model: 'm0', policy: 'paged(block=16)', trace: 't.csv', iterations: { simS: [0.01], gpuS: [0.01] } };
  const run = (scheduler: string, requests: number, costModel?: object) => gzipSync(JSON.stringify({ config: { scheduler, ...(costModel ? { costModel } : {}) }, summary: { requests } }));

  mkdirSync(join(profiles, 'gpu-b', 'validation'), { recursive: true });
  mkdirSync(join(profiles, 'gpu-a', 'validation'), { recursive: true });
  mkdirSync(join(profiles, 'no-validation'), { recursive: true });
  const b = join(profiles, 'gpu-b', 'validation');
  writeFileSync(join(b, 'full.validation.json'), JSON.stringify(full));
  writeFileSync(join(b, 'full.gpu.json.gz'), run('vllm-v1(maxNumSeqs=4)', 999));
  writeFileSync(join(b, 'full.sim.json.gz'), run('vllm-v1(maxNumSeqs=4)', 999, { profile: '/x/profiles/gpu-b/m1.json', date: '2026-12-01' }));
  writeFileSync(join(b, 'bare.validation.json'), JSON.stringify(bare));
  writeFileSync(join(b, 'half.validation.json'), JSON.stringify({ ...bare, model: 'm2', date: '2026-12-06T00:00:00Z' }));
  writeFileSync(join(b, 'half.sim.json'), JSON.stringify({ config: { scheduler: 'orca' }, summary: { requests: 5 } }));
  writeFileSync(join(b, 'lost.gpu.json.gz'), run('x', 1));
  writeFileSync(join(b, 'lost.sim.json.gz'), run('x', 1));
  writeFileSync(join(profiles, 'gpu-a', 'validation', 'a.validation.json'), JSON.stringify({ ...bare, card: 'Card A', date: '2025-01-01T00:00:00Z' }));

  const block = generate('--profiles', profiles);
  const table = rows(block);
  const byFile = (stem: string) => {
    const r = table.find((cells) => cells[0] === `\`${stem}\``);
    if (!r) throw new Error(`no row for ${stem}`);
    return r;
  };

  it('prints every recorded field, signed end-to-end errors, and the run files beside it', () => {
    const r = byFile('full');
    expect(r[col('card')]).toBe('Card B');
    expect(r[col('policy')]).toBe('vattention(page=2MiB), alloc=sync, layout=perLayer, KV 8 GiB');
    expect(r[col('scheduler')]).toBe('vllm-v1(maxNumSeqs=4)');
    expect(r[col('trace')]).toBe('conv.csv');
    // The validation file's own `first` wins over the run file's request count.
    expect(r[col('requests')]).toBe('300');
    expect(r[col('time scale')]).toBe('0.1');
    expect(r[col('iterations')]).toBe('2');
    expect([r[col('median')], r[col('p95')], r[col('p99')]]).toEqual(['1.23%', '4.56%', 'n/a']);
    expect(r[col('makespan')]).toBe('-1.01%');
    expect(r[col('TTFT p50 / p99')]).toBe('+25.00% / 0.00%');
    expect(r[col('TBT p50 / p99')]).toBe('+2.00% / -3.00%');
    expect(r[col('profile')]).toBe('profiles/gpu-b/m1.json (2026-12-01)');
    expect(r[col('date')]).toBe('2026-12-06');
    expect(r[col('runs')]).toBe('yes');
  });

  it("names the quick profile archived with the run's own suffix, never another calibration's of the same day", () => {
    // Two quick calibrations of one day, each archived beside its validation run (a profiles tree of its own).
    const q = join(tmp, 'quick', 'profiles', 'gpu-q', 'validation');
    mkdirSync(q, { recursive: true });
    const quickProfile = JSON.stringify({ date: '2026-12-07' });
    writeFileSync(join(q, 'm3.2026-12-07.quick-profile.json'), quickProfile);
    writeFileSync(join(q, 'm3.2026-12-07f.quick-profile.json'), quickProfile);
    for (const stem of ['m3.recurrent.conv100.2026-12-07f', 'm3.recurrent.conv100.2026-12-07e', 'm3.recurrent.conv100.2026-12-07']) {
      writeFileSync(join(q, `${stem}.validation.json`), JSON.stringify({ ...bare, model: 'm3' }));
      writeFileSync(join(q, `${stem}.sim.json.gz`), run('x', 1, { profile: '/root/out/p/m3.json', date: '2026-12-07' }));
    }
    const quick = rows(generate('--profiles', join(tmp, 'quick', 'profiles')));
    const cell = (stem: string) => quick.find((cells) => cells[0] === `\`${stem}\``)?.[col('profile')];
    const device = '(--quick grid; run on the device as /root/out/p/m3.json) (2026-12-07)';
    expect(cell('m3.recurrent.conv100.2026-12-07f')).toBe(`profiles/gpu-q/validation/m3.2026-12-07f.quick-profile.json ${device}`);
    // A lettered run without its own archived profile: the device path, not the day's first calibration.
    expect(cell('m3.recurrent.conv100.2026-12-07e')).toBe('/root/out/p/m3.json (2026-12-07)');
    // A run named by its bare date: the profile of that date.
    expect(cell('m3.recurrent.conv100.2026-12-07')).toBe(`profiles/gpu-q/validation/m3.2026-12-07.quick-profile.json ${device}`);
  });

  it("prints '-' for every field an older file lacks, and says its run files are missing", () => {
    const r = byFile('bare');
    const absent = ['scheduler', 'requests', 'time scale', 'median', 'p95', 'p99', 'makespan', 'profile', 'date'];
    for (const name of absent) expect(r[col(name)], name).toBe('-');
    expect(r[col('TTFT p50 / p99')]).toBe('- / -');
    expect(r[col('policy')]).toBe('paged(block=16)');
    expect(r[col('iterations')]).toBe('1');
    expect(r[col('runs')]).toBe('no');
  });

  it('reads a plain (not gzipped) run file and reports one of the two missing', () => {
    const r = byFile('half');
    expect(r[col('scheduler')]).toBe('orca');
    expect(r[col('requests')]).toBe('5');
    expect(r[col('runs')]).toBe('sim only');
  });

  it('sorts by card, newest day first, then file; lists run files that lack a validation JSON', () => {
    expect(table.map((cells) => cells[0])).toEqual(['`a`', '`full`', '`half`', '`bare`']);
    expect(block).toContain(`Run files without a validation JSON: \`${join(b, 'lost')}\` (gpu, sim).`);
    expect(generate('--profiles', profiles)).toBe(block);
  });

  it('--write replaces only the block and is idempotent; without markers it fails', () => {
    const readme = join(tmp, 'README.md');
    const before = `# T\n\nprose above\n\n${BEGIN}\nold table\n${END}\n\nprose below\n`;
    writeFileSync(readme, before);
    generate('--profiles', profiles, '--readme', readme, '--write');
    const after = readFileSync(readme, 'utf8');
    expect(after).toBe(`# T\n\nprose above\n\n${block}\nprose below\n`);
    generate('--profiles', profiles, '--readme', readme, '--write');
    expect(readFileSync(readme, 'utf8')).toBe(after);

    writeFileSync(readme, '# no markers\n');
    const r = spawnSync(process.execPath, [SCRIPT, '--profiles', profiles, '--readme', readme, '--write'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(BEGIN);
    expect(readFileSync(readme, 'utf8')).toBe('# no markers\n');
  });
});
