/**
 * A model exported with a fixed batch (torch.onnx.export(model, batch_of_4)), as it is: one
 * run takes 4 windows, in the reference and in C (the header says so), and any number of
 * windows goes through it in runs of 4 (a short last run padded, the padding reaching no
 * output): run, compress and verify (host and Cortex-M) honour it, window for window what
 * onnxruntime computes for the batch of 4 and bit for bit what the --batch 1 rewrite computes;
 * a batch the rewrite cannot reach is refused naming the node.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/load.js';
import { type ModelSpec, buildModel } from '../../src/onnx/build.js';
import { readNpyFloat32, writeNpy } from '../../src/util/npy.js';
import { ROOT, ecgc, expectOneLine } from '../helpers/cli.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { ORACLE_TOLERANCE, relativeError, runReference } from '../helpers/fixtures.js';
import { ort } from '../helpers/ort.js';
import { randomFloats } from '../helpers/random.js';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'ecgc-batch-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Conv, ReLU, a Reshape to [4, -1] (as torch writes x.view(4, -1) for a fixed export), Gemm. */
const fixedBatch = (extra: Partial<ModelSpec> = {}): ModelSpec => ({
  inputs: [{ name: 'x', shape: [4, 2, 16] }],
  outputs: ['y'],
  initializers: {
    w: { shape: [3, 2, 5], data: randomFloats(30, 1, 0.5) },
    b: { shape: [3], data: randomFloats(3, 2) },
    target: { shape: [2], data: [4, -1], int64: true },
    g: { shape: [5, 36], data: randomFloats(180, 3, 0.3) },
    gb: { shape: [5], data: randomFloats(5, 4) },
  },
  nodes: [
    { name: 'conv', op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { kernel_shape: [5], strides: [1], pads: [0, 0] } },
    { name: 'relu', op: 'Relu', inputs: ['c'], outputs: ['r'] },
    { name: 'flat', op: 'Reshape', inputs: ['r', 'target'], outputs: ['f'] },
    { name: 'fc', op: 'Gemm', inputs: ['f', 'g', 'gb'], outputs: ['y'], attrs: { transB: 1 } },
  ],
  ...extra,
});

describe('a model with a fixed batch of 4', () => {
  let model: string;
  let inputs: string;
  /** 6 windows: a run of 4 and a run of 2 real windows and 2 of padding. */
  const x = randomFloats(6 * 2 * 16, 9);
  beforeAll(() => {
    model = join(dir, 'fixed.onnx');
    writeFileSync(model, buildModel(fixedBatch()));
    inputs = join(dir, 'x.npy');
    writeNpy(inputs, [6, 2, 16], x);
  });

  it('inspect shows the batch it takes per run', async () => {
    const inspect = await ecgc(['inspect', model, '--json']);
    expect(inspect.exitCode).toBe(0);
    const summary = JSON.parse(inspect.stdout);
    expect(summary.batch).toBe(4);
    expect(summary.inputs).toEqual([{ name: 'x', shape: [4, 2, 16] }]);
  });

  it.skipIf(!ort)('runs 6 windows in runs of 4: window for window what onnxruntime computes, and bit for bit what --batch 1 computes', async () => {
    const [asIs, rewritten] = [join(dir, 'y4.npy'), join(dir, 'y1.npy')];
    const run = await ecgc(['run', model, '--input', inputs, '--output', asIs, '--threads', '1']);
    expect(run.stderr).toMatch(/ran 6 windows as 2 runs of the graph's batch of 4/);
    expect(run.exitCode).toBe(0);
    expect((await ecgc(['run', model, '--batch', '1', '--input', inputs, '--output', rewritten, '--threads', '1'])).exitCode).toBe(0);
    const ours = readNpyFloat32(asIs);
    expect(ours.shape).toEqual([6, 5]);
    expect(Buffer.from(ours.data.buffer).equals(Buffer.from(readNpyFloat32(rewritten).data.buffer))).toBe(true);

    const session = await ort!.InferenceSession.create(buildModel(fixedBatch()));
    const padded = new Float32Array(8 * 2 * 16);
    padded.set(x);
    const theirs = new Float32Array(8 * 5);
    for (const r of [0, 1]) {
      const y = (await session.run({ x: new ort!.Tensor('float32', padded.slice(r * 128, (r + 1) * 128), [4, 2, 16]) })).y.data as Float32Array;
      theirs.set(y, r * 20);
    }
    expect(relativeError(ours.data, theirs.subarray(0, 30))).toBeLessThanOrEqual(ORACLE_TOLERANCE);
    // The reference in-process: 4 windows per run, whatever the number of windows.
    expect(Buffer.from(runReference(loadModel(model), x, 6).buffer).equals(Buffer.from(ours.data.buffer))).toBe(true);
  });

  it('compiles to a <name>_run that takes 4 windows, and verifies 6 windows bit for bit on the host', async () => {
    const out = join(dir, 'c');
    expect((await ecgc(['compile', model, '--target', 'host', '--out', out])).exitCode).toBe(0);
    const header = readFileSync(join(out, 'fixed.h'), 'utf8');
    expect(header).toMatch(/#define FIXED_BATCH 4 /);
    expect(header).toMatch(/#define FIXED_INPUT_SIZE 128 /);
    expect(header).toMatch(/#define FIXED_OUTPUT_SIZE 20 /);
    const r = await ecgc(['verify', model, '--target', 'host', '--input', inputs]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/bit-exact: 6 inputs/);
  });

  it('compresses as it is, and runs the plan', async () => {
    const out = join(dir, 'plan.json');
    const compress = await ecgc(['compress', model, '--method', 'fixed-q:4', '--max-drop', 'none', '--out', out]);
    expect(compress.stderr).not.toMatch(/ecgc:/);
    expect(compress.exitCode).toBe(0);
    const run = await ecgc(['run', model, '--plan', out, '--count', '5', '--output', join(dir, 'yq.npy')]);
    expect(run.exitCode).toBe(0);
    expect(readNpyFloat32(join(dir, 'yq.npy')).shape).toEqual([5, 5]);
    const verify = await ecgc(['verify', model, '--target', 'host', '--plan', out, '--count', '5']);
    expect(verify.exitCode).toBe(0);
  });

  it('verifies bit for bit on cortex-m4f', async () => {
    if (!(await cortexToolsAvailable('fixed-batch Cortex-M'))) return;
    const r = await ecgc(['verify', model, '--target', 'cortex-m4f', '--input', inputs, '--opt', '-O2']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/bit-exact/);
  }, 120_000);

  it('with --batch 1 compiles and verifies bit for bit on the host', async () => {
    const r = await ecgc(['verify', model, '--target', 'host', '--batch', '1', '--count', '6']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/bit-exact/);
  });

  it('refuses --batch 1 naming the node that keeps the batch (a Concat with a constant [4, 5])', async () => {
    const spec = fixedBatch();
    spec.outputs = ['z'];
    spec.initializers!.k = { shape: [4, 5], data: randomFloats(20, 5) };
    spec.nodes.push({ name: 'cat', op: 'Concat', inputs: ['y', 'k'], outputs: ['z'], attrs: { axis: 1 } });
    const file = join(dir, 'kept.onnx');
    writeFileSync(file, buildModel(spec));
    expectOneLine(await ecgc(['compile', file, '--target', 'host', '--batch', '1', '--out', join(dir, 'kept')]), /node 'cat' \(Concat\): cannot concatenate \[1, 5\] and \[4, 5\]/);
    // as it is, the batch of 4 concatenates
    expect((await ecgc(['verify', file, '--target', 'host', '--count', '4'])).exitCode).toBe(0);
  });

  it('refuses an output that does not lead with the batch, naming the node', async () => {
    const spec = fixedBatch();
    spec.outputs = ['m'];
    spec.initializers!.axes = { shape: [1], data: [0], int64: true };
    spec.nodes.push({ name: 'mix', op: 'ReduceMean', inputs: ['y', 'axes'], outputs: ['m'], attrs: { keepdims: 0 } });
    const file = join(dir, 'mixed.onnx');
    writeFileSync(file, buildModel({ ...spec, opset: 18 }));
    expectOneLine(await ecgc(['run', file, '--count', '4', '--output', join(dir, 'm.npy')]), /graph output 'm' has shape \[5\], without the batch 4 as its first dimension.*node 'mix' \(ReduceMean\)/);
  });

  it('takes --batch 1 only', async () => {
    expectOneLine(await ecgc(['verify', model, '--target', 'host', '--batch', '4']), /--batch takes 1/);
  });
});

describe('a shipped model given a fixed batch of 4', () => {
  /** examples/arrhythminet-v2 with its symbolic batch fixed to 4, as a fixed-batch export states it. */
  let model: string;
  const beats = join(ROOT, 'examples', 'mitdb-beats');
  beforeAll(() => {
    const proto = onnxProto.onnx.ModelProto.decode(readFileSync(join(ROOT, 'examples', 'arrhythminet-v2', 'model.onnx')));
    for (const value of [...proto.graph!.input!, ...proto.graph!.output!]) {
      const batch = value.type!.tensorType!.shape!.dim![0];
      batch.dimParam = '';
      batch.dimValue = 4;
    }
    model = join(dir, 'arrhythminet-batch4.onnx');
    writeFileSync(model, onnxProto.onnx.ModelProto.encode(proto).finish());
  });

  it('evaluates and compresses the shipped beats (10 windows: runs of 4, 4 and 2) exactly as with its batch of 1', async () => {
    const original = join(ROOT, 'examples', 'arrhythminet-v2', 'model.onnx');
    const results = [];
    for (const [i, file] of [model, original].entries()) {
      const evaluated = await ecgc(['eval', file, '--data', beats, '--json']);
      expect(evaluated.exitCode, evaluated.stderr).toBe(0);
      const plan = join(dir, `plan${i}.json`);
      const compressed = await ecgc(['compress', file, '--data', beats, '--method', 'laq+lap', '--max-drop', '1', '--out', plan]);
      expect(compressed.exitCode, compressed.stderr).toBe(0);
      const { model: _file, ...metrics } = JSON.parse(evaluated.stdout);
      const { layers, figures } = JSON.parse(readFileSync(plan, 'utf8'));
      results.push({ metrics, layers, figures });
    }
    expect(results[0].metrics.count).toBe(10);
    expect(results[0]).toEqual(results[1]);
  });
});
