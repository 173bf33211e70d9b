import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/writeReport.js';
import type { ValidationResult } from '../../src/report/ValidationResult.js';
import { simulate } from '../../src/sim/engine/simulate.js';
import { openTrace } from '../../src/sim/trace/openTrace.js';

const CHROMIUM = '/usr/bin/chromium';
const SKIP_REASON = existsSync(CHROMIUM) ? '' : `skipped: ${CHROMIUM} is absent (install Debian's chromium: apt-get install -y chromium)`;
if (SKIP_REASON) console.warn(`report browser test ${SKIP_REASON}`);

// Flags from the machine notes: without the background-networking ones Chromium keeps dialling out
// into a closed network; --disable-gpu because CI has none.
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe.skipIf(SKIP_REASON !== '')(`report in a real browser${SKIP_REASON ? ` (${SKIP_REASON})` : ''}`, () => {
  it('loads offline with no console errors, every chart SVG drawn with data marks, and a screenshot', async () => {
    const outDir = resolve('test-output');
    mkdirSync(outDir, { recursive: true });
    // Real replays (400 synthetic conversation requests) under four policies, as `kvsim replay --json` writes them.
    const runs = [];
    for (const [model, policy] of [['llama-3-8b', 'static'], ['llama-3-8b', 'paged'], ['llama-3-8b', 'vattention'], ['xlstm-7b', 'recurrent']] as const) {
      const trace = await openTrace('synthetic:conv:count=400,rate=20,seed=5', { maxContextTokens: 8192 });
      runs.push(JSON.parse(JSON.stringify(await simulate({ trace, model, hardware: 'h100', policy }))));
    }
    // No GPU measurement exists in this test: the validation pairs are a labelled fixture that only exercises the chart.
    const gpuS = Array.from({ length: 300 }, (_, i) => 0.008 + (i % 50) * 4e-4);
    const validation: ValidationResult = { schema: 'kvsim.validation/1', card: 'fixture (not measured)', model: 'llama-3-8b', policy: 'paged', trace: 'fixture', iterations: { gpuS, simS: gpuS.map((g, i) => g * (1 + Math.sin(i) * 0.06)) } };
    const htmlPath = join(outDir, 'report.html');
    const html = writeReport(runs, { validation: [validation], title: 'kvsim report (browser test: synthetic:conv replays)' });
    writeFileSync(htmlPath, html);
    const expectedCharts = [...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]);

    const profile = mkdtempSync(join(tmpdir(), 'kvsim-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1560, height: 1200 } });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });

      const charts = await page.$$eval('svg.chart', (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          const marks = [...svg.querySelectorAll('.mark')];
          // A mark counts when the browser gives it a non-empty box (a path with no points has none).
          const drawn = marks.filter((m) => {
            const b = (m as SVGGraphicsElement).getBBox();
            return b.width > 0 || b.height > 0;
          }).length;
          return { id: svg.getAttribute('data-chart'), width: box.width, height: box.height, marks: marks.length, drawn, title: svg.querySelector('.title')?.textContent ?? '' };
        }),
      );
      await page.screenshot({ path: join(outDir, 'report.png'), fullPage: true });

      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      expect(charts.map((c) => c.id)).toEqual(expectedCharts);
      expect(expectedCharts).toEqual(expect.arrayContaining(['memory-1', 'fragmentation', 'batch-size', 'queue-length', 'latency-ttft', 'latency-tbt', 'latency-e2e', 'throughput', 'capacity', 'state-vs-kv', 'validation']));
      for (const c of charts) {
        expect(c.width, `${c.id} width`).toBeGreaterThan(300);
        expect(c.height, `${c.id} height`).toBeGreaterThan(200);
        expect(c.marks, `${c.id} marks`).toBeGreaterThan(0);
        expect(c.drawn, `${c.id} drawn marks`).toBe(c.marks);
        expect(c.title.length).toBeGreaterThan(3);
      }
      expect(existsSync(join(outDir, 'report.png'))).toBe(true);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 60_000);
});
