import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_TRACE_DIR } from '../sim/trace/tmpTrace.js';
import { startTraceServer } from '../sim/trace/traceServer.js';
import { kvsim } from './traceHarness.js';

const present = existsSync(join(SHARED_TRACE_DIR, 'AzureLLMInferenceTrace_conv.csv'));
const why = present ? '' : ` (skipped: ${SHARED_TRACE_DIR} is absent in this checkout)`;

describe.skipIf(!present)(`kvsim trace fetch${why}`, () => {
  let server: Awaited<ReturnType<typeof startTraceServer>>;
  let cache: string;
  const saved = process.env.KVSIM_CACHE;
  beforeAll(async () => {
    server = await startTraceServer(SHARED_TRACE_DIR);
    cache = mkdtempSync(join(tmpdir(), 'kvsim-cli-cache-'));
    process.env.KVSIM_CACHE = cache;
  });
  afterAll(async () => {
    await server.close();
    rmSync(cache, { recursive: true, force: true });
    if (saved === undefined) delete process.env.KVSIM_CACHE;
    else process.env.KVSIM_CACHE = saved;
  });

  it('a cut-off transfer: exit 2, one line, nothing in the cache', async () => {
    const { out, err, code } = await kvsim(['trace', 'fetch', 'azure-conv-2023', '--base-url', `${server.url}/cut`]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^kvsim: Download of azure-conv-2023 from http:\/\/127\.0\.0\.1:\d+\/cut\/AzureLLMInferenceTrace_conv\.csv failed: .*; nothing was saved\n$/);
    expect(existsSync(join(cache, 'traces')) ? readdirSync(join(cache, 'traces')) : []).toEqual([]);
  });

  it('downloads into $KVSIM_CACHE/traces, then `trace stats NAME` reads it', async () => {
    const { out, code } = await kvsim(['trace', 'fetch', 'azure-conv-2023', '--base-url', `${server.url}/ok`]);
    expect(code).toBe(0);
    expect(out).toBe(`azure-conv-2023: ${join(cache, 'traces', 'AzureLLMInferenceTrace_conv.csv')} (downloaded 719,188 bytes from ${server.url}/ok/AzureLLMInferenceTrace_conv.csv, sha256 verified)\n`);
    const stats = await kvsim(['trace', 'stats', 'azure-conv-2023', '--json']);
    expect(JSON.parse(stats.out).requests).toBe(19_366);
    const again = await kvsim(['trace', 'fetch', 'azure-conv-2023', '--base-url', `${server.url}/ok`]);
    expect(again.out).toContain('(already cached, sha256 verified)');
  });
});
