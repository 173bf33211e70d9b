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

      // Hover over a time chart: the read-out names the time and every run's value there.
      const mem = page.locator('#svg-batch-size');
      await mem.scrollIntoViewIfNeeded();
      const box = (await mem.boundingBox())!;
      const plot = (await mem.getAttribute('data-plot'))!.split(',').map(Number);
      const k = box.width / Number((await mem.getAttribute('viewBox'))!.split(' ')[2]);
      const at = (fx: number) => ({ x: box.x + (plot[0] + fx * plot[2]) * k, y: box.y + (plot[1] + plot[3] / 2) * k });
      await page.mouse.move(at(0.5).x, at(0.5).y);
      const tip = await page.locator('#tip').innerText();
      expect(tip).toMatch(/^t = [\d.]+ s/);
      expect(tip).toContain('static');
      expect(tip).toContain('requests');
      // Drag from 20% to 40% of the axis: every time chart zooms to that window; double-click resets.
      const ticksBefore = await page.$$eval('#svg-queue-length .x-axis .tick text', (ts) => ts.map((t) => t.textContent));
      await page.mouse.move(at(0.2).x, at(0.2).y);
      await page.mouse.down();
      await page.mouse.move(at(0.4).x, at(0.4).y, { steps: 4 });
      await page.mouse.up();
      const ticksZoomed = await page.$$eval('#svg-queue-length .x-axis .tick text', (ts) => ts.map((t) => t.textContent));
      expect(ticksZoomed).not.toEqual(ticksBefore);
      expect(await page.locator('.zoom-state').first().innerText()).toMatch(/^showing /);
      await page.mouse.dblclick(at(0.5).x, at(0.5).y);
      expect(await page.locator('.zoom-state').first().innerText()).toMatch(/^drag across/);
      // Hover over a bar: its value.
      const bar = page.locator('#svg-capacity .bar').first();
      await bar.scrollIntoViewIfNeeded();
      await bar.hover();
      expect(await page.locator('#tip').innerText()).toMatch(/max concurrent requests .*: \d+/);
      // Switching the verdict baseline recomputes the differences.
      const pick = page.locator('#baseline-select');
      const firstRun = (await page.locator('#verdict-table tbody tr').first().getAttribute('data-run'))!;
      await pick.selectOption({ index: 0 });
      expect(await page.locator(`#verdict-table tr[data-run="${firstRun}"] td[data-key="capacity"] .delta`).innerText()).toBe('baseline');
      expect(await page.locator('#verdict-table tbody tr').nth(1).locator('td[data-key="capacity"] .delta').innerText()).toMatch(/^([+−][\d.]+|±0) %$/);

      expect(errors).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      expect(charts.map((c) => c.id)).toEqual(expectedCharts);
      expect(expectedCharts).toEqual(expect.arrayContaining(['memory-1', 'fragmentation', 'breakdown-1', 'batch-size', 'queue-length', 'latency-ttft', 'latency-tbt', 'latency-e2e', 'throughput', 'capacity', 'state-vs-kv', 'validation']));
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
