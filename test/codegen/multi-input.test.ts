/**
 * A model of two inputs (a beat window and its RR features, as the patch's beat model takes
 * them) through every command that feeds windows: `ecgc data`'s further inputs matched by name,
 * eval, run, compress, and the C API (`<name>_run(input_beat, input_rr, output)`, and
 * depth first `<name>_end(input_rr, output)`), bit-exact on the host and on a Cortex-M.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATASET_SCHEMA, type Dataset, writeDataset } from '../../src/data/dataset.js';
import { type ModelSpec, buildModel } from '../../src/onnx/build.js';
import { harnessLayout, runInputs } from '../../src/ref/interpreter.js';
import { encodeNpy } from '../../src/util/npy.js';
import { graphOf } from '../helpers/model.js';
import { ecgc, expectOneLine } from '../helpers/cli.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { randomFloats } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'ecgc-multi-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const [T, RR, CLASSES] = [64, 3, 4];
const spec = (batch: number | string = 'N'): ModelSpec => ({
  inputs: [
    { name: 'beat', shape: [batch, 1, T] },
    { name: 'rr', shape: [batch, RR] },
  ],
  outputs: ['scores'],
  initializers: {
    w1: { shape: [6, 1, 5], data: randomFloats(30, 1, 0.5) },
    b1: { shape: [6], data: randomFloats(6, 2, 0.1) },
    w2: { shape: [8, 6, 3], data: randomFloats(144, 3, 0.3) },
    b2: { shape: [8], data: randomFloats(8, 4, 0.1) },
    wf: { shape: [CLASSES, 8 + RR], data: randomFloats(CLASSES * (8 + RR), 5, 0.5) },
    bf: { shape: [CLASSES], data: randomFloats(CLASSES, 6, 0.1) },
  },
  nodes: [
    { op: 'Conv', inputs: ['beat', 'w1', 'b1'], outputs: ['c1'], attrs: { kernel_shape: [5], strides: [2] } },
    { op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
    { op: 'Conv', inputs: ['r1', 'w2', 'b2'], outputs: ['c2'], attrs: { kernel_shape: [3], strides: [2] } },
    { op: 'Relu', inputs: ['c2'], outputs: ['r2'] },
    { op: 'GlobalAveragePool', inputs: ['r2'], outputs: ['pooled'] },
    { op: 'Flatten', inputs: ['pooled'], outputs: ['features'] },
    { op: 'Concat', inputs: ['features', 'rr'], outputs: ['joined'], attrs: { axis: 1 } },
    { op: 'Gemm', inputs: ['joined', 'wf', 'bf'], outputs: ['scores'], attrs: { transB: 1 } },
  ],
});
const model = join(dir, 'model.onnx');
writeFileSync(model, buildModel(spec()));

const COUNT = 40;
const beats = randomFloats(COUNT * T, 7, 1);
const rr = Float32Array.from(randomFloats(COUNT * RR, 8, 0.4), (v) => 1 + v);
const labels = Int32Array.from({ length: COUNT }, (_, i) => i % CLASSES);
function dataset(inputs: { name: string; values: Float32Array; width: number }[]): Dataset {
  return {
    x: beats,
    shape: [COUNT, 1, T],
    y: labels,
    more: inputs.map((i) => i.values),
    meta: {
      schema: DATASET_SCHEMA, task: 'test', split: 'all', classes: ['a', 'b', 'c', 'd'], samplingRate: 360, window: { samples: T, seconds: T / 360 }, leads: ['MLII'],
      preprocessing: { units: 'mV', resample: null, normalize: null, padTo: null }, records: ['1'], counts: {}, source: 'test', howMade: 'test',
      inputs: inputs.map((i) => ({ name: i.name, shape: [i.width], description: 'test' })),
    },
  };
}
const data = join(dir, 'data');
writeDataset(data, dataset([{ name: 'rr', values: rr, width: RR }]));

describe('windows of several inputs', () => {
  it('a run of two windows splits into each input\'s values; the harness reads input after input', () => {
    const g = graphOf(spec(2));
    // a window is the beat's T values then the RR values
    const w = (k: number) => [...Array.from({ length: T }, (_, t) => k * 1000 + t), ...Array.from({ length: RR }, (_, r) => -(k * 10 + r))];
    const run = Float32Array.from([...w(0), ...w(1)]);
    const [beat, rrs] = runInputs({ inputSizes: [2 * T, 2 * RR], batch: 2 }, run);
    expect(Array.from(beat)).toEqual([...w(0).slice(0, T), ...w(1).slice(0, T)]);
    expect(Array.from(rrs)).toEqual([-0, -1, -2, -10, -11, -12]);
    expect(Array.from(harnessLayout(g, run))).toEqual([...beat, ...rrs]);
  });

  it('eval matches the further input by name and feeds it; a dataset without it is refused, naming it', async () => {
    const r = await ecgc(['eval', model, '--data', data, '--json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).count).toBe(COUNT);
    const other = join(dir, 'other');
    writeDataset(other, dataset([{ name: 'intervals', values: rr, width: RR }]));
    expectOneLine(await ecgc(['eval', model, '--data', other]), /takes a further input 'rr' \[3\] per sample, which .*other does not hold \(it holds 'intervals'\)/);
    const wide = join(dir, 'wide');
    writeDataset(wide, dataset([{ name: 'rr', values: new Float32Array(COUNT * 4), width: 4 }]));
    expectOneLine(await ecgc(['eval', model, '--data', wide]), /input 'rr' is \[4\] per sample, but .*model.onnx takes \[3\]/);
  });

  it('run takes a dataset holding both inputs, not a bare .npy of windows; the RR values reach the scores', async () => {
    const out = join(dir, 'y.npy');
    const r = await ecgc(['run', model, '--input', data, '--output', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    const bare = join(dir, 'x.npy');
    writeFileSync(bare, encodeNpy([COUNT, 1, T], beats));
    expectOneLine(await ecgc(['run', model, '--input', bare, '--output', join(dir, 'y2.npy')]), /takes 2 inputs \('beat', 'rr'\); pass a dataset directory/);
    const zeroed = join(dir, 'zeroed');
    writeDataset(zeroed, dataset([{ name: 'rr', values: new Float32Array(COUNT * RR), width: RR }]));
    await ecgc(['run', model, '--input', zeroed, '--output', join(dir, 'y0.npy'), '--force']);
    expect(readFileSync(out).equals(readFileSync(join(dir, 'y0.npy')))).toBe(false);
  });

  it('compress measures on both inputs; synthetic windows cannot fill the RR input', async () => {
    const plan = join(dir, 'plan.json');
    const r = await ecgc(['compress', model, '--method', 'fixed-q:4', '--data', data, '--out', plan]);
    expect(r.exitCode, r.stderr).toBe(0);
    expectOneLine(await ecgc(['compress', model, '--method', 'fixed-q:4', '--out', join(dir, 'p2.json')]), /takes 2 inputs .*pass a dataset directory .*synthetic ECG fills only windows/);
  });

  it('int8 activations: both inputs calibrated, and the integer C is bit-exact', async () => {
    const plan = join(dir, 'plan-int8.json');
    const r = await ecgc(['compress', model, '--method', 'fixed-q:8', '--activations', 'int8', '--data', data, '--out', plan]);
    expect(r.exitCode, r.stderr).toBe(0);
    const values = (JSON.parse(readFileSync(plan, 'utf8')) as { activations: { tensors: { value: string }[] } }).activations.tensors.map((t) => t.value);
    expect(values).toEqual(expect.arrayContaining(['beat', 'rr']));
    const verified = await ecgc(['verify', model, '--plan', plan, '--target', 'host', '--input', data]);
    expect(verified.exitCode, verified.stderr).toBe(0);
  });

  for (const schedule of ['layers', 'stream']) {
    it(`C API of two inputs, ${schedule}: bit-exact on the host, the dataset's windows and synthetic ones`, async () => {
      const out = join(dir, `c-${schedule}`);
      const compiled = await ecgc(['compile', model, '--target', 'host', '--name', 'model', '--out', out, '--schedule', schedule]);
      expect(compiled.exitCode, compiled.stderr).toBe(0);
      const r = await ecgc(['verify', model, '--target', 'host', '--schedule', schedule, '--input', data]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/bit-exact: 40 inputs/);
      const header = readFileSync(join(out, 'model.h'), 'utf8');
      expect(header).toContain('int model_run(const float *input_beat, const float *input_rr, float *output);');
      expect(header).toMatch(/#define MODEL_INPUT_RR_SIZE 3 /);
      if (schedule === 'stream') expect(header).toContain('int model_end(const float *input_rr, float *output);');
      const synthetic = await ecgc(['verify', model, '--target', 'host', '--schedule', schedule]);
      expect(synthetic.exitCode, synthetic.stderr).toBe(0);
    });
  }
});

const cortex = await cortexToolsAvailable('two-input Cortex-M');
describe.skipIf(!cortex)('two inputs on a Cortex-M', () => {
  it('verify --target cortex-m4f, depth first, on the dataset: bit-exact', async () => {
    const r = await ecgc(['verify', model, '--target', 'cortex-m4f', '--schedule', 'stream', '--input', data, '--count', '8']);
    expect(r.exitCode, r.stderr).toBe(0);
  });
});
