import { describe, expect, it } from 'vitest';
import { simulate } from '../../../src/sim/engine/simulate.js';
import { comparisonTable } from '../../../src/sim/metrics/comparisonTable.js';
import { MetricsRecorder } from '../../../src/sim/metrics/MetricsRecorder.js';
import { runsToCsv } from '../../../src/sim/metrics/runsToCsv.js';
import { runsToJson } from '../../../src/sim/metrics/runsToJson.js';
import type { RequestSpec } from '../../../src/sim/trace/RequestSpec.js';

/** Splits one CSV line, honouring double-quoted cells. */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') out.push(cur), (cur = '');
    else cur += ch;
  }
  out.push(cur);
  return out;
}

const trace: RequestSpec[] = [
  { id: 0, arrivalS: 0, promptTokens: 100, outputTokens: 5 },
  { id: 1, arrivalS: 0.01, promptTokens: 20000, outputTokens: 5 }, // over maxNumBatchedTokens: dropped
  { id: 2, arrivalS: 0.02, promptTokens: 50, outputTokens: 3 },
];

describe('metrics writers', async () => {
  const runs = await Promise.all(
    (['paged', 'vattention'] as const).map((policy) => simulate({ trace, model: 'llama-3-8b', hardware: 'h100', policy })),
  );

  it('JSON: one run is the RunResult itself, several are {runs}; a dropped request has null times', () => {
    const one = JSON.parse(runsToJson([runs[0]]));
    expect(one.schema).toBe('kvsim.run/1');
    expect(one.requests.finishS[1]).toBeNull();
    expect(one.requests.promptTokens).toEqual([100, 20000, 50]);
    expect(one.summary.dropped).toBe(1);
    expect(JSON.parse(runsToJson(runs)).runs).toHaveLength(2);
  });

  it('CSV: summary row per run with flattened percentiles, and per-run column files', () => {
    const files = runsToCsv(runs);
    expect(files.map((f) => f.name)).toEqual([
      'summary.csv',
      '1-llama-3-8b-paged_block_16_prefix-caching.requests.csv',
      '1-llama-3-8b-paged_block_16_prefix-caching.iterations.csv',
      '2-llama-3-8b-vattention_page_2MiB_slots_999_capped.requests.csv',
      '2-llama-3-8b-vattention_page_2MiB_slots_999_capped.iterations.csv',
    ]);
    const [header, row] = files[0].text.trim().split('\n');
    const cols = header.split(',');
    expect(cols).toContain('ttftS_p50');
    expect(cols).toContain('e2eS_max');
    expect(splitCsv(row)).toHaveLength(cols.length);
    expect(splitCsv(row)[cols.indexOf('completed')]).toBe('2');
    // The policy label contains a comma-free parenthesis; scheduler labels contain commas and get quoted.
    expect(row).toContain('"vllm-v1(maxNumSeqs=1024, maxNumBatchedTokens=8192)"');
    const req = files[1].text.trim().split('\n');
    expect(req[0]).toBe('arrivalS,promptTokens,outputTokens,admittedS,firstTokenS,finishS,preemptions');
    expect(req).toHaveLength(4);
    expect(req[2].split(',')[5]).toBe(''); // dropped: no finish time
    const it = files[2].text.trim().split('\n');
    expect(it[0].split(',')).toContain('stride');
    expect(it).toHaveLength(runs[0].summary.iterations + 1);
  });

  it('comparison table: a row per metric, a column per run', () => {
    const text = comparisonTable(runs);
    const lines = text.trim().split('\n');
    expect(lines[1]).toMatch(/policy\s+paged\(block=16, prefix-caching\)\s+vattention\(page=2MiB, slots=999 capped\)/);
    expect(text).toMatch(/prefix cache hit rate\s+[\d.]+ %\s+0 % \(per-request memory: cannot share\)/);
    expect(text).toMatch(/completed \/ dropped\s+2 \/ 1\s+2 \/ 1/);
    expect(text).toMatch(/TTFT p99\s+[\d.]+ ms/);
  });

  it('iteration records are capped by doubling the stride, summaries stay exact', () => {
    const full = new MetricsRecorder({ maxIterationRecords: 1000 });
    const capped = new MetricsRecorder({ maxIterationRecords: 8 });
    const terms = { gemmS: 0, prefillAttentionS: 0, decodeAttentionS: 0, recurrentS: 0, commS: 0, allocationS: 0, overheadS: 0 };
    const mem = { capacityBytes: 100, liveBytes: 0, allocatedBytes: 10, reservedBytes: 10, freeBytes: 90, fragmentationBytes: 1, eagerBytes: 0, cachedBytes: 0, requests: 1 };
    for (let i = 0; i < 37; i++) {
      const rec = { startS: i, durationS: 1, batchSize: i % 5, prefillTokens: 0, decodeTokens: 1, queueLength: 0, concurrentRequests: 1, allocOps: 0, stallS: 0, prefixHitTokens: 0, terms };
      full.onIteration(rec, { ...mem, liveBytes: i });
      capped.onIteration(rec, { ...mem, liveBytes: i });
    }
    const c = capped.iterationColumns();
    expect(c.stride).toBe(8);
    expect(c.startS).toEqual([0, 8, 16, 24, 32]);
    expect(capped.summary()).toEqual(full.summary());
  });
});
