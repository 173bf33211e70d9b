import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll } from 'vitest';

/** A temp directory for one test file, removed after it. */
export function tmpTraceDir(): (name: string, content: string | Buffer, gzip?: boolean) => string {
  const dir = mkdtempSync(join(tmpdir(), 'kvsim-trace-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return (name, content, gzip = false) => {
    const path = join(dir, name);
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    writeFileSync(path, gzip ? gzipSync(bytes) : bytes);
    return path;
  };
}

/** ../shared/traces/azure-llm-2023 when this checkout has it (CI does; a user's clone may not). */
export const SHARED_TRACE_DIR = join(process.cwd(), '..', 'shared', 'traces', 'azure-llm-2023');
