/**
 * A model exported with a fixed batch (torch.onnx.export(model, batch_of_4)): refused by the
 * commands that feed one window per call, with the way out named; with --batch 1 inspected,
 * compressed, run, compiled and verified bit for bit, its reference equal, window by window, to onnxruntime running
 * the original batch of 4; and a batch the rewrite cannot reach is refused naming the node.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/load.js';
import { type ModelSpec, buildModel } from '../../src/onnx/build.js';
import { ecgc, expectOneLine } from '../helpers/cli.js';
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
  beforeAll(() => {
    model = join(dir, 'fixed.onnx');
    writeFileSync(model, buildModel(fixedBatch()));
  });

  it('is refused without --batch, naming the batch and the way out', async () => {
    expectOneLine(await ecgc(['compile', model, '--target', 'host', '--out', join(dir, 'refused')]), /fixed batch size of 4;.*--batch 1/);
  });

  it('with --batch 1 compiles and verifies bit for bit on the host', async () => {
    const r = await ecgc(['verify', model, '--target', 'host', '--batch', '1', '--count', '6']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/bit-exact/);
  });

  it.skipIf(!ort)('with --batch 1 computes, window by window, what onnxruntime computes for the batch of 4', async () => {
    const x = randomFloats(4 * 2 * 16, 9);
    const session = await ort!.InferenceSession.create(buildModel(fixedBatch()));
    const theirs = (await session.run({ x: new ort!.Tensor('float32', x, [4, 2, 16]) })).y.data as Float32Array;
    const ours = runReference(loadModel(model, { batch: 1 }), x, 4);
    expect(relativeError(ours, theirs)).toBeLessThanOrEqual(ORACLE_TOLERANCE);
  });

  it('refuses --batch 1 naming the node that keeps the batch (a Concat with a constant [4, 5])', async () => {
    const spec = fixedBatch();
    spec.outputs = ['z'];
    spec.initializers!.k = { shape: [4, 5], data: randomFloats(20, 5) };
    spec.nodes.push({ name: 'cat', op: 'Concat', inputs: ['y', 'k'], outputs: ['z'], attrs: { axis: 1 } });
    const file = join(dir, 'kept.onnx');
    writeFileSync(file, buildModel(spec));
    expectOneLine(await ecgc(['compile', file, '--target', 'host', '--batch', '1', '--out', join(dir, 'kept')]), /node 'cat' \(Concat\): cannot concatenate \[1, 5\] and \[4, 5\]/);
  });

  it('with --batch 1, inspect shows one window, compress plans it and run runs the plan', async () => {
    const inspect = await ecgc(['inspect', model, '--batch', '1', '--json']);
    expect(inspect.exitCode).toBe(0);
    expect(JSON.parse(inspect.stdout).inputs).toEqual([{ name: 'x', shape: [1, 2, 16] }]);
    const out = join(dir, 'plan.json');
    const compress = await ecgc(['compress', model, '--batch', '1', '--method', 'fixed-q:4', '--max-drop', 'none', '--out', out]);
    expect(compress.stderr).not.toMatch(/ecgc:/);
    expect(compress.exitCode).toBe(0);
    const run = await ecgc(['run', model, '--batch', '1', '--plan', out, '--count', '5', '--output', join(dir, 'y.npy')]);
    expect(run.exitCode).toBe(0);
  });

  it('takes --batch 1 only', async () => {
    expectOneLine(await ecgc(['verify', model, '--target', 'host', '--batch', '4']), /--batch takes 1/);
  });
});
