/**
 * explain.html in a real browser (Debian's Chromium, headless, driven by playwright-core): the
 * page loads with nothing fetched, shows a plot per class and per typical or misclassified
 * window, each with its trace, its heat band, axes in ms from the R peak and in the windows'
 * units, and a legend a reader can follow.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../../src/data/dataset.js';
import { explainModel } from '../../src/explain/explain.js';
import { numericsOf } from '../../src/explain/numerics.js';
import { loadModel } from '../../src/model/load.js';
import { readPlan } from '../../src/plan/plan.js';
import { explainHtml } from '../../src/report/explain.js';
import { ROOT } from '../helpers/cli.js';
import { CHROMIUM, chromiumAvailable } from '../helpers/tools.js';

const V2 = join(ROOT, 'examples', 'arrhythminet-v2');
const haveChromium = chromiumAvailable('the explain.html checks in Chromium');

describe.runIf(haveChromium)('explain.html in Chromium', () => {
  let dir: string;
  let page: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ecgc-html-'));
    const graph = loadModel(join(V2, 'model.onnx'));
    const plan = readPlan(join(V2, 'plan-int8.json'), graph);
    const data = readDataset(join(ROOT, 'examples', 'mitdb-beats'));
    const input = { windows: data.x, indices: [...data.y.keys()], labels: data.y, background: data.x, classes: data.meta.classes, samplingRate: 360, rPeakAt: 90, units: 'z-score' };
    const settings = { method: 'gradcam' as const, shap: { segments: 16, permutations: 8, seed: 0, background: 4 }, threads: 1 };
    const report = await explainModel(numericsOf(graph), numericsOf(graph, plan), input, settings, { model: 'model.onnx', plan: 'plan-int8.json', source: 'mitdb-beats' });
    page = join(dir, 'explain.html');
    writeFileSync(page, explainHtml(report, data.x));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows every plot with its trace, heat band, axes and legend, fetching nothing', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const tab = await browser.newPage();
      const requests: string[] = [];
      tab.on('request', (r) => requests.push(r.url()));
      await tab.goto(pathToFileURL(page).href);
      expect(requests).toEqual([pathToFileURL(page).href]);
      const plots = tab.locator('svg.saliency-plot');
      const classes = await tab.locator('h3').allTextContents();
      expect(classes.length).toBeGreaterThanOrEqual(3);
      // per class the float and the compressed model, then the windows' figures
      expect(await plots.count()).toBeGreaterThanOrEqual(2 * classes.length + 2);
      for (let i = 0; i < (await plots.count()); i++) {
        const plot = plots.nth(i);
        const box = await plot.boundingBox();
        expect(box!.width).toBeGreaterThan(400);
        expect(box!.height).toBeGreaterThan(150);
        expect(await plot.locator('.x-label').textContent()).toBe('time from the R peak (ms)');
        expect(await plot.locator('.y-label').textContent()).toBe('amplitude (z-score)');
        expect(await plot.locator('.legend').textContent()).toMatch(/ECG \(mean of lead 1\).*saliency for the class/);
        const points = (await plot.locator('polyline.trace').getAttribute('points'))!.trim().split(' ');
        expect(points).toHaveLength(256);
        expect(await plot.locator('rect[fill="#d62728"]').count()).toBeGreaterThan(0);
        // the window runs from -250 ms to +458 ms about the R peak
        expect(await plot.locator('.x-tick').allTextContents()).toEqual(['-200', '0', '200', '400']);
      }
      expect(await tab.locator('h2').allTextContents()).toEqual(['Per class: the mean saliency', 'Typical windows', 'Misclassified windows']);
    } finally {
      await browser.close();
    }
  });
});
