/** `ecgc eval` and `ecgc data` through the CLI: results against the library, and bad input. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { argmaxRows, classificationMetrics, confusionMatrix } from '../../src/compress/metrics.js';
import { DATASET_SCHEMA, writeDataset } from '../../src/data/dataset.js';
import { TASKS } from '../../src/data/tasks.js';
import { loadModel } from '../../src/model/load.js';
import { compileGraph, runBatch } from '../../src/ref/interpreter.js';
import { ecgc } from '../helpers/cli.js';
import { fixturePath } from '../helpers/fixtures.js';
import { MITDB, hasData } from '../helpers/data.js';
import { randomFloats } from '../helpers/random.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ecgc-eval-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function smallDataset(out: string, count: number, length: number) {
  const x = randomFloats(count * length, 77);
  const y = Int32Array.from({ length: count }, (_, i) => i % 5);
  writeDataset(out, {
    x,
    shape: [count, 1, length],
    y,
    meta: {
      schema: DATASET_SCHEMA, task: 'synthetic-test', split: 'all', classes: ['N', 'L', 'R', 'A', 'V'], samplingRate: 360,
      window: { samples: length, seconds: length / 360 }, leads: ['MLII'],
      preprocessing: { units: 'mV', resample: null, normalize: { kind: 'zscore', epsilon: 1e-3 }, padTo: null },
      records: [], counts: {}, source: 'test', howMade: 'random',
    },
  });
  return { x, y };
}

describe('ecgc eval', () => {
  it('reports the metrics of the reference interpreter, as text and as JSON', async () => {
    const data = join(dir, 'd');
    const { x, y } = smallDataset(data, 40, 187);
    const model = fixturePath('mobilenet1d', 'model.onnx');
    const predicted = argmaxRows(runBatch(compileGraph(loadModel(model)), x, 40), 5);
    const expected = classificationMetrics(y, predicted, ['N', 'L', 'R', 'A', 'V']);

    const json = await ecgc(['eval', model, '--data', data, '--json']);
    expect(json.exitCode).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.schema).toBe('ecgc.eval/1');
    expect(report.confusion).toEqual(confusionMatrix(y, predicted, 5));
    expect(report.accuracy).toBe(expected.accuracy);
    expect(report.macroF1).toBe(expected.macroF1);

    const text = await ecgc(['eval', model, '--data', data]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain(`accuracy ${(100 * expected.accuracy).toFixed(2)}%`);
    expect(text.stdout).toContain('confusion matrix');
  });

  it('refuses a dataset whose windows do not fit the model, and a missing dataset', async () => {
    const data = join(dir, 'd');
    smallDataset(data, 4, 100);
    const wrong = await ecgc(['eval', fixturePath('mobilenet1d', 'model.onnx'), '--data', data]);
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toMatch(/windows are \[1, 100\], but .* takes \[1, 187\]/);
    const missing = await ecgc(['eval', fixturePath('mobilenet1d', 'model.onnx'), '--data', join(dir, 'nothing')]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/not a dataset directory/);
  });
});

describe.skipIf(!hasData(MITDB, 'ecgc data CLI tests'))('ecgc data', () => {
  it('writes X.npy, the beats\' RR features rr.npy, y.npy and meta.json, and nothing else', async () => {
    const out = join(dir, 'beats');
    const r = await ecgc(['data', MITDB, '--task', 'beats-aami', '--split', 'ds2-test', '--out', out]);
    expect(r.exitCode).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['X.npy', 'meta.json', 'rr.npy', 'y.npy']);
    expect(readdirSync(dir)).toEqual(['beats']);
  });

  it('fails cleanly when a split has no windows for a class, leaving no output', async () => {
    const few = join(dir, 'few');
    mkdirSync(few);
    for (const record of ['100', '101', '103']) for (const ext of ['hea', 'dat', 'atr']) symlinkSync(join(MITDB, `${record}.${ext}`), join(few, `${record}.${ext}`));
    const out = join(dir, 'out');
    const r = await ecgc(['data', few, '--task', 'beats-nlrav', '--split', 'random-test', '--out', out]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no windows for class\(es\) L, R/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual(['few']);
  });

  it('names a damaged record (truncated signal file) and leaves no output', async () => {
    const damaged = join(dir, 'damaged');
    mkdirSync(damaged);
    for (const record of ['100', '101', '103', '105', '106', '107', '108', '109', '111', '118', '124', '207', '209', '212', '214', '231', '232']) {
      for (const ext of ['hea', 'atr']) symlinkSync(join(MITDB, `${record}.${ext}`), join(damaged, `${record}.${ext}`));
      const dat = readFileSync(join(MITDB, `${record}.dat`));
      writeFileSync(join(damaged, `${record}.dat`), record === '109' ? dat.subarray(0, 1000) : dat);
    }
    const out = join(dir, 'out');
    const r = await ecgc(['data', damaged, '--task', 'beats-nlrav', '--split', 'random-train', '--out', out]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/109\.dat/);
    expect(r.stderr).toMatch(/truncated|holds|samples/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual(['damaged']);
  });

  it('asks for --noise and --snr together, and a number of dB', async () => {
    const alone = await ecgc(['data', MITDB, '--task', 'rhythm', '--split', 'record-test', '--out', join(dir, 'o'), '--noise', 'x']);
    expect(alone.exitCode).toBe(1);
    expect(alone.stderr).toMatch(/--noise and --snr go together/);
    const word = await ecgc(['data', MITDB, '--task', 'rhythm', '--split', 'record-test', '--out', join(dir, 'o'), '--noise', 'x', '--snr', 'loud']);
    expect(word.exitCode).toBe(1);
    expect(word.stderr).toMatch(/--snr must be a number of dB, got 'loud'/);
    expect(existsSync(join(dir, 'o'))).toBe(false);
  });

  it('names unknown tasks and splits, and a missing source', async () => {
    const task = await ecgc(['data', MITDB, '--task', 'beats', '--split', 'x', '--out', join(dir, 'o')]);
    expect(task.exitCode).toBe(1);
    expect(task.stderr).toMatch(/unknown task 'beats'; tasks: beats-nlrav, beats-aami, rhythm, rhythm-stream, cpsc2018, cinc2017, unlabelled/);
    const split = await ecgc(['data', MITDB, '--task', 'rhythm', '--split', 'random-test', '--out', join(dir, 'o')]);
    expect(split.stderr).toMatch(/task rhythm has splits record-train, record-val, record-test/);
    const source = await ecgc(['data', join(dir, 'none'), '--task', 'rhythm', '--split', 'record-test', '--out', join(dir, 'o')]);
    expect(source.exitCode).toBe(1);
    expect(source.stderr).toMatch(/data directory not found/);
    expect(existsSync(join(dir, 'o'))).toBe(false);
  });
});

describe('ecgc data --help', () => {
  it('lists every task of the registry (src/data/tasks.ts)', async () => {
    const help = await ecgc(['data', '--help']);
    expect(help.exitCode).toBe(0);
    // pinned, not Object.keys(TASKS) (main.ts builds the help from it): the registry must hold exactly these
    const tasks = 'beats-nlrav, beats-aami, rhythm, rhythm-stream, cpsc2018, cinc2017, unlabelled';
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(`--task <task> ${tasks} --split`); // the whole list, however wrapped
    expect(Object.keys(TASKS).join(', ')).toBe(tasks);
  });
});
