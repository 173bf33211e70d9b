import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openTrace } from '../../../src/sim/trace/openTrace.js';
import { traceRegistry } from '../../../src/sim/trace/registry.js';
import { SYNTHETIC_PRESETS } from '../../../src/sim/trace/syntheticPresets.js';
import { traceStats } from '../../../src/sim/trace/traceStats.js';
import { SHARED_TRACE_DIR } from './tmpTrace.js';

const present = existsSync(join(SHARED_TRACE_DIR, 'AzureLLMInferenceTrace_conv.csv'));
const why = present ? '' : ` (skipped: ${SHARED_TRACE_DIR} is absent in this checkout)`;

describe.skipIf(!present)(`the real Azure LLM 2023 traces${why}`, () => {
  it('conv: 19,366 requests with DESIGN.md medians (prompt 1020, output 129) and p90s', async () => {
    const s = await traceStats(await openTrace(join(SHARED_TRACE_DIR, 'AzureLLMInferenceTrace_conv.csv')));
    expect(s.requests).toBe(19_366);
    expect(s.promptTokens.p50).toBe(1020);
    expect(s.outputTokens.p50).toBe(129);
    // DESIGN.md's p90s are a lower-rank value; interpolation lands within one token.
    expect(Math.abs(s.promptTokens.p90 - 2734)).toBeLessThanOrEqual(1);
    expect(Math.abs(s.outputTokens.p90 - 424)).toBeLessThanOrEqual(1);
    // 18:15:46.6805900 to 19:14:08.4025270, all 7 digits kept.
    expect(s.durationS).toBeCloseTo(3501.721937, 6);
  });

  it('code: 8,819 requests with DESIGN.md medians (prompt 1469, output 13)', async () => {
    const s = await traceStats(await openTrace(join(SHARED_TRACE_DIR, 'AzureLLMInferenceTrace_code.csv')));
    expect(s.requests).toBe(8_819);
    expect(s.promptTokens.p50).toBe(1469);
    expect(s.outputTokens.p50).toBe(13);
    expect(Math.abs(s.outputTokens.p90 - 55)).toBeLessThanOrEqual(1);
  });

  it('the synthetic presets carry these traces’ maxima and mean rates', async () => {
    for (const [name, file] of [['conv', 'AzureLLMInferenceTrace_conv.csv'], ['code', 'AzureLLMInferenceTrace_code.csv']] as const) {
      const s = await traceStats(await openTrace(join(SHARED_TRACE_DIR, file)));
      const preset = SYNTHETIC_PRESETS[name];
      expect(preset.prompt.max).toBe(s.promptTokens.max);
      expect(preset.output.max).toBe(s.outputTokens.max);
      expect(Math.abs(preset.arrival.ratePerS - s.ratePerS) / s.ratePerS).toBeLessThan(0.005);
    }
  });

  it('the registry’s sha256, size and request count match the published files', () => {
    for (const entry of Object.values(traceRegistry()).filter((e) => e.name.startsWith('azure-'))) {
      const bytes = readFileSync(join(SHARED_TRACE_DIR, entry.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
      expect(bytes.length).toBe(entry.sizeBytes);
      expect(entry.url.endsWith(`/${entry.file}`)).toBe(true);
    }
  });

  it('registry names resolve through KVSIM_TRACE_DIR', async () => {
    const saved = process.env.KVSIM_TRACE_DIR;
    process.env.KVSIM_TRACE_DIR = SHARED_TRACE_DIR;
    try {
      const s = await traceStats(await openTrace('azure-code-2023'));
      expect(s.requests).toBe(traceRegistry()['azure-code-2023'].requests);
    } finally {
      if (saved === undefined) delete process.env.KVSIM_TRACE_DIR;
      else process.env.KVSIM_TRACE_DIR = saved;
    }
  });
});
