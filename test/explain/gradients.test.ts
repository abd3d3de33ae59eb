/**
 * The reverse pass (src/explain/gradients.ts, each op's `gradient`) against torch's autograd
 * (test/explain/torch_gradients.py, float64) on the shipped models and the fixtures: the
 * gradient of a random weighting of the outputs with respect to every input, and to the
 * layer Grad-CAM weighs. ecgc's forward values are float32 (the reference's), torch's float64,
 * so the two differ by rounding: max |difference| <= 1e-4 of the largest |gradient|.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { describe, expect, it } from 'vitest';
import { differentiate } from '../../src/explain/gradients.js';
import { camLayer } from '../../src/explain/model.js';
import { sizeOf } from '../../src/ir/graph.js';
import { loadModel } from '../../src/model/load.js';
import { type ModelSpec, buildModel } from '../../src/onnx/build.js';
import { readNpy, writeNpy } from '../../src/util/npy.js';
import { EXAMPLES } from '../helpers/examples.js';
import { fixturePath } from '../helpers/fixtures.js';
import { randomFloats } from '../helpers/random.js';
import { PYTHON, torchAvailable } from '../helpers/tools.js';

const SCRIPT = join(import.meta.dirname, 'torch_gradients.py');
const TOLERANCE = 1e-4;

const SHIPPED = ['arrhythminet-v1/model.onnx', 'arrhythminet-v2/model.onnx', 'arrhythminet-v2/model-qat.onnx', 'arrhythminet-v2-aami/model.onnx', 'patch-beats/model.onnx', 'patch-rhythm/model.onnx', 'resnet1d/model.onnx', 'rhythm-stream/model.onnx'].map((m) => join(EXAMPLES, m));
/** Every fixture whose ops have gradients and that the torch op table runs (1-D pools, symmetric pads). */
const FIXTURES = [
  'activations', 'avgpool_ceil_include_pad', 'bn_fused_conv', 'bn_preserve_mode', 'elementwise_broadcast', 'global_pools_reduce', 'linear_matmul_softmax_static',
  'mobilenet1d', 'pools_max', 'resnet1d', 'resnet1d_batch4', 'se_resnet12_batch4', 'shape_ops', 'shape_view_static', 'transformer_opset13', 'transformer_opset17', 'transformer_batch4',
  'crnn_gru', 'crnn_lstm', 'crnn_lstm_batch4',
].map((name) => fixturePath(name, 'model.onnx'));

const haveTorch = torchAvailable('the gradient checks against torch');

/** ecgc's gradients of `model` (a file) against torch's: every input's, and the Grad-CAM layer's where the model has a Conv. */
function expectTorchGradients(model: string): void {
  const graph = loadModel(model);
  const layer = graph.nodes.some((n) => n.op === 'Conv') ? camLayer(graph).value : undefined;
  const wrt = [...graph.inputs, ...(layer ? [layer] : [])];
  const gg = differentiate(graph, wrt, 'the check');
  const inputs = graph.inputs.map((name, i) => randomFloats(sizeOf(graph.values.get(name)!.shape), 11 + i));
  const outShape = graph.values.get(graph.outputs[0])!.shape;
  const seed = Float64Array.from(randomFloats(sizeOf(outShape), 5));
  gg.forward(inputs);
  const ours = gg.backward(seed).map((g) => g.slice());

  const dir = mkdtempSync(join(tmpdir(), 'ecgc-grad-'));
  try {
    const inputFiles = graph.inputs.map((name, i) => {
      const file = join(dir, `x${i}.npy`);
      writeNpy(file, graph.values.get(name)!.shape, inputs[i]);
      return file;
    });
    writeNpy(join(dir, 'seed.npy'), outShape, seed);
    execaSync(PYTHON, [SCRIPT, model, join(dir, 'seed.npy'), dir, ...inputFiles, ...(layer ? ['--value', layer] : [])]);
    const theirs = [...graph.inputs.map((_, i) => readNpy(join(dir, `input${i}.npy`)).data), ...(layer ? [readNpy(join(dir, 'value0.npy')).data] : [])] as Float64Array[];
    theirs.forEach((expected, i) => {
      const largest = Math.max(...Array.from(expected, Math.abs));
      expect(largest, `${wrt[i]}: torch's gradient is zero`).toBeGreaterThan(0);
      let worst = 0;
      for (let j = 0; j < expected.length; j++) worst = Math.max(worst, Math.abs(ours[i][j] - expected[j]));
      expect(worst / largest, `gradient with respect to '${wrt[i]}'`).toBeLessThanOrEqual(TOLERANCE);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.runIf(haveTorch)('gradients agree with torch autograd', () => {
  for (const model of [...SHIPPED, ...FIXTURES]) it(model.replace(/.*\/(examples|fixtures)\//, ''), () => expectTorchGradients(model));
});

/** Recurrent layers the fixtures do not have (torch exports GRU with linear_before_reset 1, forward): built here. */
const [T, N, I, H] = [5, 2, 3, 4];
const weights = (gates: number, directions: number, seed: number) => ({
  w: { shape: [directions, gates * H, I], data: randomFloats(directions * gates * H * I, seed, 0.6) },
  r: { shape: [directions, gates * H, H], data: randomFloats(directions * gates * H * H, seed + 1, 0.6) },
  b: { shape: [directions, 2 * gates * H], data: randomFloats(directions * 2 * gates * H, seed + 2, 0.3) },
});
const RECURRENT: [string, ModelSpec][] = [
  ['GRU, linear_before_reset 0, bidirectional, initial_h', {
    inputs: [{ name: 'x', shape: [T, N, I] }], outputs: ['y'], initializers: { ...weights(3, 2, 40), h0: { shape: [2, N, H], data: randomFloats(2 * N * H, 41, 0.5) } },
    nodes: [{ op: 'GRU', inputs: ['x', 'w', 'r', 'b', '', 'h0'], outputs: ['y'], attrs: { hidden_size: H, direction: 'bidirectional', linear_before_reset: 0 } }],
  }],
  ['LSTM, reverse, initial_h and initial_c', {
    inputs: [{ name: 'x', shape: [T, N, I] }], outputs: ['y'],
    initializers: { ...weights(4, 1, 50), h0: { shape: [1, N, H], data: randomFloats(N * H, 51, 0.5) }, c0: { shape: [1, N, H], data: randomFloats(N * H, 52, 0.5) } },
    nodes: [{ op: 'LSTM', inputs: ['x', 'w', 'r', 'b', '', 'h0', 'c0'], outputs: ['y'], attrs: { hidden_size: H, direction: 'reverse' } }],
  }],
  ['RNN, batch first (layout 1)', {
    inputs: [{ name: 'x', shape: [N, T, I] }], outputs: ['y'], initializers: weights(1, 1, 60),
    nodes: [{ op: 'RNN', inputs: ['x', 'w', 'r', 'b'], outputs: ['y'], attrs: { hidden_size: H, layout: 1 } }],
  }],
];

describe.runIf(haveTorch)('recurrent gradients agree with torch autograd', () => {
  for (const [what, spec] of RECURRENT) {
    it(what, () => {
      const dir = mkdtempSync(join(tmpdir(), 'ecgc-rnn-'));
      try {
        writeFileSync(join(dir, 'model.onnx'), buildModel(spec));
        expectTorchGradients(join(dir, 'model.onnx'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
