// Finds JSON files with a kvsim `schema` field under the given folders (notebook 04's input).
export interface FoundJson {
  path: string;
  schema: string;
  json: unknown;
}

/** Every *.json (and *.json.gz is left out: profiles are plain JSON) under root/dirs with a string `schema`. */
export async function walk(root: string, dirs: string[]): Promise<FoundJson[]> {
  const out: FoundJson[] = [];
  async function visit(dir: string): Promise<void> {
    let entries: Deno.DirEntry[];
    try {
      entries = [];
      for await (const e of Deno.readDir(dir)) entries.push(e);
    } catch {
      return; // folder absent
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await visit(path);
      else if (e.isFile && e.name.endsWith('.json')) {
        try {
          const json = JSON.parse(await Deno.readTextFile(path));
          if (json && typeof json.schema === 'string') out.push({ path, schema: json.schema, json });
        } catch {
          // not JSON we can read: not ours
        }
      }
    }
  }
  for (const d of dirs) await visit(`${root}/${d}`);
  return out;
}
