/**
 * `ecgc explain` through the CLI on ArrhythmiaNet V2 and the shipped example beats
 * (examples/mitdb-beats: two real beats of each class): the report against the library's
 * methods, the compressed model beside the float one, SHAP's efficiency, and bad input.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gradCam } from '../../src/explain/grad-cam.js';
import type { ExplainReport } from '../../src/explain/explain.js';
import { camLayer } from '../../src/explain/model.js';
import { numericsOf } from '../../src/explain/numerics.js';
import { predictedClass } from '../../src/explain/saliency.js';
import { DATASET_SCHEMA, readDataset, writeDataset } from '../../src/data/dataset.js';
import { loadModel } from '../../src/model/load.js';
import { writeNpy } from '../../src/util/npy.js';
import { ROOT, ecgc, expectOneLine, strays } from '../helpers/cli.js';
import { randomFloats } from '../helpers/random.js';

const V2 = join(ROOT, 'examples', 'arrhythminet-v2', 'model.onnx');
const INT8 = join(ROOT, 'examples', 'arrhythminet-v2', 'plan-int8.json');
const BEATS = join(ROOT, 'examples', 'mitdb-beats');
const PATCH_BEATS = join(ROOT, 'examples', 'patch-beats', 'model.onnx');

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ecgc-explain-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const reportIn = (out: string): ExplainReport => JSON.parse(readFileSync(join(out, 'explain.json'), 'utf8'));

describe('ecgc explain', () => {
  it("writes Grad-CAM of every beat, as the library computes it, with each class's shares around the R peak", async () => {
    const out = join(dir, 'gradcam');
    const r = await ecgc(['explain', V2, '--data', BEATS, '--method', 'gradcam', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/gradcam of .* on 10 windows/);
    const report = reportIn(out);
    expect(report.schema).toBe('ecgc.explain/1');
    expect(report.windows.map((w) => w.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(report.regions).toMatchObject({ qrs: [72, 109], ms: { qrs: [-50, 50] } });
    const data = readDataset(BEATS);
    const graph = loadModel(V2);
    const expected = gradCam(numericsOf(graph), camLayer(graph).value, data.x, 10, predictedClass);
    report.windows.forEach((w, i) => {
      expect(w.label).toBe(data.meta.classes[data.y[i]]);
      expect(w.explained).toBe(data.meta.classes[expected[i].explained]);
      expect(w.saliency).toHaveLength(256);
      // four significant digits
      w.saliency.forEach((s, t) => expect(Math.abs(s - expected[i].saliency[t])).toBeLessThanOrEqual(Math.abs(expected[i].saliency[t]) * 1e-3 + 1e-12));
      const shares = w.shares!;
      expect(shares.qrs + shares.p + shares.t).toBeLessThanOrEqual(1 + 1e-9);
    });
    expect(report.perClass.map((c) => c.class).sort()).toEqual([...new Set(report.windows.map((w) => w.explained))].sort());
    expect(existsSync(join(out, 'explain.html'))).toBe(true);
    expect(strays(dir)).toEqual([]);
  });

  it("puts an int8 plan's CAM beside the float model's, for the same class, with their agreement", async () => {
    const out = join(dir, 'cam');
    const r = await ecgc(['explain', V2, '--data', BEATS, '--plan', INT8, '--method', 'cam', '--json', '--out', out]);
    expect(r.exitCode).toBe(0);
    const report = JSON.parse(r.stdout) as ExplainReport;
    expect(report).toEqual(reportIn(out));
    expect(report.plan).toBe(INT8);
    for (const w of report.windows) {
      expect(w.compressed!.saliency).toHaveLength(256);
      expect(w.compressed!.agreement.rank).toBeGreaterThan(-1);
      expect(w.compressed!.agreement.rank).toBeLessThanOrEqual(1);
    }
    // the int8 model looks where the float one does on these beats
    expect(report.agreement!.rank).toBeGreaterThan(0.5);
  });

  it("gives SHAP values whose sum is each window's score minus the background's mean score", async () => {
    const out = join(dir, 'shap');
    const r = await ecgc(['explain', V2, '--data', BEATS, '--method', 'shap', '--count', '1', '--segments', '8', '--permutations', '4', '--background', '4', '--out', out]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/SHAP efficiency: the values sum to f\(x\) - E\[f\] within/);
    const report = reportIn(out);
    expect(report.shap).toEqual({ segments: 8, permutations: 4, seed: 0, background: 4 });
    expect(report.windows).toHaveLength(5);
    for (const w of report.windows) expect(Math.abs(w.efficiency!.sum - w.efficiency!.expected)).toBeLessThan(1e-6);
  });

  it('explains windows from an .npy file, with the class asked for', async () => {
    const x = readDataset(BEATS).x;
    writeNpy(join(dir, 'x.npy'), [10, 1, 256], x);
    const out = join(dir, 'npy');
    const r = await ecgc(['explain', V2, '--input', join(dir, 'x.npy'), '--method', 'gradcam', '--class', 'V', '--count', '3', '--out', out]);
    expect(r.exitCode).toBe(0);
    const report = reportIn(out);
    expect(report.windows.map((w) => [w.explained, w.label])).toEqual([['V', null], ['V', null], ['V', null]]);
    expect(report.classes).toEqual(['N', 'L', 'R', 'A', 'V']); // from the model's metadata
  });

  it('refuses bad input with one line and exit 1', async () => {
    const out = join(dir, 'bad');
    const cases: [string[], RegExp][] = [
      [['--data', BEATS, '--method', 'lime'], /--method must be one of gradcam, shap, cam; got 'lime'/],
      [['--method', 'cam'], /give the windows to explain: --data <dir> .* or --input <x\.npy>, one of them/],
      [['--data', BEATS, '--method', 'cam', '--class', 'X'], /--class: 'X' is not one of the model's classes \(N, L, R, A, V\)/],
      [['--data', BEATS, '--method', 'gradcam', '--layer', 'nope'], /--layer: the model has no node 'nope' \(its convolutional layers: /],
      [['--data', BEATS, '--method', 'shap', '--segments', '0'], /--segments must be a whole number from 1 to 256; got '0'/],
    ];
    for (const [args, message] of cases) expectOneLine(await ecgc(['explain', V2, ...args, '--out', out]), message);
    expectOneLine(await ecgc(['explain', PATCH_BEATS, '--input', join(BEATS, 'X.npy'), '--method', 'shap', '--out', out]), /takes 2 inputs \(beat, rr\); --input gives only the windows/);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    expectOneLine(await ecgc(['explain', V2, '--data', BEATS, '--method', 'cam', '--out', dir]), /exists and is not empty; pass --force to replace it/);
    expect(existsSync(out)).toBe(false);
  });

  it("explains a model with further inputs (patch-beats' RR features), and refuses CAM where its head is not linear", async () => {
    const data = join(dir, 'beats');
    const count = 6;
    writeDataset(data, {
      x: randomFloats(count * 256, 5),
      shape: [count, 1, 256],
      y: Int32Array.from({ length: count }, (_, i) => i % 5),
      more: [randomFloats(count * 9, 6)],
      meta: {
        schema: DATASET_SCHEMA, task: 'beats-aami', split: 'test', classes: ['N', 'S', 'V', 'F', 'Q'], samplingRate: 360,
        window: { samples: 256, rPeakAt: 90, seconds: 256 / 360 }, leads: ['MLII'],
        preprocessing: { units: 'mV', resample: null, normalize: { kind: 'zscore', epsilon: 1e-3 }, padTo: null },
        records: [], counts: {}, source: 'test', howMade: 'random', inputs: [{ name: 'rr', shape: [9], description: 'RR features' }],
      },
    });
    const r = await ecgc(['explain', PATCH_BEATS, '--data', data, '--method', 'gradcam', '--out', join(dir, 'g')]);
    expect(r.stderr).toBe('');
    expect(reportIn(join(dir, 'g')).windows).toHaveLength(count);
    expectOneLine(
      await ecgc(['explain', PATCH_BEATS, '--data', data, '--method', 'cam', '--out', join(dir, 'c')]),
      /CAM needs a model that ends in global average pooling and a linear layer; node '\/head\/head\.2\/Relu' \(Relu\) after the pooling '\/ReduceMean' is not linear.*\(--method gradcam or shap explain it\)/,
    );
    expect(existsSync(join(dir, 'c'))).toBe(false);
  });
});
