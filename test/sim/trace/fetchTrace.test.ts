import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchTrace } from '../../../src/sim/trace/fetchTrace.js';
import { traceRegistry } from '../../../src/sim/trace/registry.js';
import { SHARED_TRACE_DIR } from './tmpTrace.js';
import { startTraceServer } from './traceServer.js';

const present = existsSync(join(SHARED_TRACE_DIR, 'AzureLLMInferenceTrace_code.csv'));
const why = present ? '' : ` (skipped: ${SHARED_TRACE_DIR} is absent in this checkout)`;

describe.skipIf(!present)(`kvsim trace fetch against a real HTTP server on 127.0.0.1${why}`, () => {
  let server: Awaited<ReturnType<typeof startTraceServer>>;
  let cacheDir: string;
  beforeAll(async () => {
    server = await startTraceServer(SHARED_TRACE_DIR);
    cacheDir = mkdtempSync(join(tmpdir(), 'kvsim-cache-'));
  });
  afterAll(async () => {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });
  const entry = () => traceRegistry()['azure-code-2023'];

  it('a checksum mismatch fails and leaves no file behind', async () => {
    await expect(fetchTrace('azure-code-2023', { baseUrl: `${server.url}/corrupt`, cacheDir })).rejects.toMatchObject({
      code: 'TRACE_CHECKSUM',
      message: expect.stringMatching(/^Checksum mismatch for azure-code-2023 from http:\/\/127\.0\.0\.1:\d+\/corrupt\/AzureLLMInferenceTrace_code\.csv: expected sha256 54e9a6d2.* but got [0-9a-f]{64} \(320117 bytes\); nothing was saved$/),
    });
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  for (const mode of ['cut', 'cut-chunked']) {
    it(`a transfer cut off midway (${mode}) fails and leaves no file behind`, async () => {
      await expect(fetchTrace('azure-code-2023', { baseUrl: `${server.url}/${mode}`, cacheDir })).rejects.toMatchObject({
        code: 'TRACE_FETCH',
        message: expect.stringMatching(/^Download of azure-code-2023 from http:\/\/127\.0\.0\.1:\d+\/.*failed: .*nothing was saved$/),
      });
      expect(readdirSync(cacheDir)).toEqual([]);
    });
  }

  it('HTTP errors and refused connections are user errors', async () => {
    await expect(fetchTrace('azure-code-2023', { baseUrl: `${server.url}/missing`, cacheDir })).rejects.toMatchObject({
      code: 'TRACE_FETCH',
      message: expect.stringContaining('failed: HTTP 404 Not Found'),
    });
    const closed = await startTraceServer(SHARED_TRACE_DIR);
    await closed.close(); // its port now refuses connections
    await expect(fetchTrace('azure-code-2023', { baseUrl: closed.url, cacheDir })).rejects.toMatchObject({
      code: 'TRACE_FETCH',
      message: expect.stringContaining('failed: ECONNREFUSED'),
    });
    await expect(fetchTrace('azure-chat-2099', { cacheDir })).rejects.toThrow('Unknown trace "azure-chat-2099": expected one of azure-conv-2023, azure-code-2023');
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('a good download is verified, renamed into place, and not fetched twice', async () => {
    const saved = process.env.KVSIM_TRACE_BASE_URL;
    process.env.KVSIM_TRACE_BASE_URL = `${server.url}/ok/`;
    try {
      const first = await fetchTrace('azure-code-2023', { cacheDir });
      expect(first.alreadyCached).toBe(false);
      expect(readdirSync(cacheDir)).toEqual([entry().file]);
      expect(createHash('sha256').update(readFileSync(first.path)).digest('hex')).toBe(entry().sha256);
      const again = await fetchTrace('azure-code-2023', { cacheDir });
      expect(again.alreadyCached).toBe(true);
      // A failed forced re-download keeps the good copy.
      await expect(fetchTrace('azure-code-2023', { cacheDir, force: true, baseUrl: `${server.url}/cut` })).rejects.toMatchObject({ code: 'TRACE_FETCH' });
      expect(readdirSync(cacheDir)).toEqual([entry().file]);
      expect(createHash('sha256').update(readFileSync(first.path)).digest('hex')).toBe(entry().sha256);
    } finally {
      if (saved === undefined) delete process.env.KVSIM_TRACE_BASE_URL;
      else process.env.KVSIM_TRACE_BASE_URL = saved;
    }
  });
});
