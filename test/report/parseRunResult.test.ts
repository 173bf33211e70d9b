import { describe, expect, it } from 'vitest';
import { parseRunResult } from '../../src/report/parseRunResult.js';
import { parseValidationResult } from '../../src/report/parseValidationResult.js';
import { runLabels } from '../../src/report/runLabels.js';
import { syntheticRun } from './fixtures/syntheticRun.js';

const good = () => JSON.parse(JSON.stringify(syntheticRun('paged')));

describe('parseRunResult', () => {
  it('accepts a replay result, nulls included', () => {
    expect(parseRunResult(good(), 'a.json').config.policy).toBe('paged');
  });

  it.each([
    [(j: any) => { j.schema = 'kvsim.run/0'; }, /a\.json: expected "schema": "kvsim\.run\/1".*found "kvsim\.run\/0"/],
    [(j: any) => { delete j.summary.maxBatch; }, /a\.json: expected a number at "summary\.maxBatch" but found nothing/],
    [(j: any) => { j.iterations.liveBytes.pop(); }, /"iterations\.liveBytes" to have 600 entries .* but it has 599/],
    [(j: any) => { j.requests.finishS[3] = 'soon'; }, /numbers in "requests\.finishS" but element 3 is a string/],
    [(j: any) => { j.config = []; }, /expected an object at "config"/],
  ])('names the file and the field for each mistake (%#)', (mutate, message) => {
    const j = good();
    mutate(j);
    expect(() => parseRunResult(j, 'a.json')).toThrow(message);
  });

  it('rejects a non-object', () => {
    expect(() => parseRunResult([1], 'x.json')).toThrow(/x\.json: expected a kvsim replay JSON object but found an array/);
  });
});

describe('parseValidationResult', () => {
  it('requires paired columns', () => {
    const v = { schema: 'kvsim.validation/1', card: 'H100', model: 'm', policy: 'paged', trace: 't', iterations: { simS: [1, 2], gpuS: [1] } };
    expect(() => parseValidationResult(v, 'v.json')).toThrow(/v\.json: .*pair up but they have 2 and 1 entries/);
    v.iterations.gpuS.push(2);
    expect(parseValidationResult(v, 'v.json').card).toBe('H100');
  });
});

describe('runLabels', () => {
  it('uses the policy alone when unique, adds what differs otherwise', () => {
    const a = syntheticRun('paged');
    const b = syntheticRun('paged');
    b.config.model = 'yi-6b';
    expect(runLabels([a, syntheticRun('static')])).toEqual(['paged', 'static']);
    expect(runLabels([a, b])).toEqual(['paged (llama-3-8b)', 'paged (yi-6b)']);
    expect(runLabels([a, syntheticRun('paged')])).toEqual(['paged #1', 'paged #2']);
  });
});
