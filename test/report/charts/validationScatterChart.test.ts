import { describe, expect, it } from 'vitest';
import { validationScatterChart } from '../../../src/report/charts/validationScatterChart.js';
import type { ValidationResult } from '../../../src/report/ValidationResult.js';
import { iterationErrors } from '../../../src/sim/validation/compareRuns.js';

describe('validationScatterChart', () => {
  it('prints the same error percentiles as `kvsim validate` (nearest rank)', () => {
    // |sim - gpu| / gpu = 1%, 2%, 3%, 4%: nearest-rank median 2% (a floor(q n) index would say 3%).
    const gpuS = [0.01, 0.02, 0.03, 0.04];
    const simS = gpuS.map((g, i) => g * (1 + (i + 1) / 100));
    const set: ValidationResult = { schema: 'kvsim.validation/1', card: 'card', model: 'llama-3-8b', policy: 'paged', trace: 'fixture', iterations: { simS, gpuS } };
    const stats = iterationErrors(simS, gpuS);
    const chart = validationScatterChart([set]);
    const text = JSON.stringify(chart);
    expect(stats.median).toBeCloseTo(0.02, 12);
    expect(text).toContain('median 2.0%');
    expect(text).toContain(`p90 ${(stats.p90 * 100).toFixed(1)}%`);
  });
});
