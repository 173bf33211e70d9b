import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The architecture rules of issue 19, checked on every static import and re-export in src/ (type-only
 * ones included: a type cycle is still a cycle for a reader). Dynamic `import()` is exempt: it is how
 * the CLI loads the GPU layer lazily.
 */
const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** file (relative to src) -> relative imports it makes (relative to src). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const re = /^\s*(?:import|export)\s[^;]*?\sfrom\s+['"](\.{1,2}\/[^'"]+)['"]/gms;
  for (const file of tsFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const m of text.matchAll(re)) targets.push(relative(SRC, normalize(join(dirname(file), m[1]))).replace(/\.js$/, '.ts'));
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

/** The area a file belongs to: sim/<part>, or the top folder (cli, gpu, report, io, sweep), or the file. */
function area(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'sim' ? `sim/${parts[1]}` : parts[0];
}

/** Layers inside src/sim, lowest first: a part may import only parts of a lower rank. */
const SIM_RANK: Record<string, number> = {
  'sim/stats': 0,
  'sim/trace': 1, 'sim/model': 1, 'sim/hardware': 1,
  'sim/memory': 2,
  'sim/plan': 3,
  'sim/cost': 4, 'sim/scheduler': 4, 'sim/metrics': 4,
  'sim/validation': 5,
  'sim/engine': 6,
};
/** Leaf modules anything may import. */
const BASE = new Set(['errors.ts', 'io']);

describe('architecture (issue 19)', () => {
  const graph = importGraph();

  it('has no import cycle', () => {
    // Tarjan's strongly connected components; any component of more than one file is a cycle.
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const on = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string): void => {
      idx.set(v, index);
      low.set(v, index++);
      stack.push(v);
      on.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!graph.has(w)) continue;
        if (!idx.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
      if (low.get(v) === idx.get(v)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          on.delete(w);
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1) cycles.push(comp.sort());
      }
    };
    for (const v of graph.keys()) if (!idx.has(v)) visit(v);
    expect(cycles).toEqual([]);
  });

  it('src/sim imports nothing above it, and its parts import only lower layers', () => {
    const bad: string[] = [];
    for (const [from, targets] of graph) {
      const a = area(from);
      if (!a.startsWith('sim/')) continue;
      for (const to of targets) {
        const b = area(to);
        if (a === b || BASE.has(b)) continue;
        if (!b.startsWith('sim/')) bad.push(`${from} -> ${to} (src/sim must not import ${b})`);
        else if (!(SIM_RANK[b] < SIM_RANK[a])) bad.push(`${from} -> ${to} (${a} is not above ${b})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('the GPU layer and the report never import the CLI, and not each other', () => {
    const bad: string[] = [];
    for (const [from, targets] of graph) {
      const a = area(from);
      if (a !== 'gpu' && a !== 'report' && a !== 'io') continue;
      for (const to of targets) {
        const b = area(to);
        if (b === a || BASE.has(b) || b.startsWith('sim/')) continue;
        bad.push(`${from} -> ${to}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('knows every part of src/sim (a new folder gets a layer on purpose)', () => {
    const parts = new Set([...graph.keys()].filter((f) => f.startsWith('sim/')).map(area));
    expect([...parts].filter((p) => !(p in SIM_RANK))).toEqual([]);
  });
});
