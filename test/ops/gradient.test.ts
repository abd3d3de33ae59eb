/**
 * Every op's gradient (OpDef.gradient) against central differences of its own reference, on a
 * small graph per op: the ops the torch checks (test/explain/gradients.test.ts) meet in no
 * model, and the others again. The forward is float32, so a difference quotient with a step
 * of 1e-3 carries about 1e-4 of rounding: agreement within 5e-3 of the largest gradient.
 */
import { describe, expect, it } from 'vitest';
import { differentiate } from '../../src/explain/gradients.js';
import { sizeOf } from '../../src/ir/graph.js';
import type { ModelSpec } from '../../src/onnx/build.js';
import { compileGraph } from '../../src/ref/interpreter.js';
import { graphOf } from '../helpers/model.js';
import { lcg } from '../helpers/random.js';

const SHAPE = [1, 3, 8];
type Node = ModelSpec['nodes'][number];
type Initializers = NonNullable<ModelSpec['initializers']>;

/** x [1, 3, 8] -> nodes -> y; `positive`: x in [0.2, 1.2] (Sqrt, Log-like ops), else |x| in [0.2, 1.2] with either sign (away from kinks at 0). */
const CASES: [string, Node[], Initializers?, boolean?][] = [
  ['Abs', [{ op: 'Abs', inputs: ['x'], outputs: ['y'] }]],
  ['Neg', [{ op: 'Neg', inputs: ['x'], outputs: ['y'] }]],
  ['Exp', [{ op: 'Exp', inputs: ['x'], outputs: ['y'] }]],
  ['Sqrt', [{ op: 'Sqrt', inputs: ['x'], outputs: ['y'] }], undefined, true],
  ['Reciprocal', [{ op: 'Reciprocal', inputs: ['x'], outputs: ['y'] }]],
  ['Erf', [{ op: 'Erf', inputs: ['x'], outputs: ['y'] }]],
  ['Gelu', [{ op: 'Gelu', inputs: ['x'], outputs: ['y'] }]],
  ['Gelu (tanh)', [{ op: 'Gelu', inputs: ['x'], outputs: ['y'], attrs: { approximate: 'tanh' } }]],
  ['Sigmoid', [{ op: 'Sigmoid', inputs: ['x'], outputs: ['y'] }]],
  ['Tanh', [{ op: 'Tanh', inputs: ['x'], outputs: ['y'] }]],
  ['Relu', [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }]],
  ['LeakyRelu', [{ op: 'LeakyRelu', inputs: ['x'], outputs: ['y'], attrs: { alpha: 0.1 } }]],
  ['Clip', [{ op: 'Clip', inputs: ['x', 'lo', 'hi'], outputs: ['y'] }], { lo: { shape: [], data: [-0.5] }, hi: { shape: [], data: [0.7] } }],
  ['Add, Sub, Mul, Div broadcast', [
    { op: 'Add', inputs: ['x', 'c'], outputs: ['a'] }, { op: 'Mul', inputs: ['a', 'x'], outputs: ['m'] },
    { op: 'Sub', inputs: ['m', 'c'], outputs: ['s'] }, { op: 'Div', inputs: ['s', 'd'], outputs: ['y'] },
  ], { c: { shape: [1, 3, 1], data: [0.3, -0.2, 0.5] }, d: { shape: [8], data: [1.5, 2, 2.5, 3, -1.5, -2, 1.2, 1.7] } }],
  ['Pow', [{ op: 'Pow', inputs: ['x', 'e'], outputs: ['y'] }], { e: { shape: [], data: [3] } }],
  ...(['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceSumSquare', 'ReduceLogSumExp'] as const).map(
    (op): [string, Node[], Initializers] => [op, [{ op, inputs: ['x', 'axes'], outputs: ['y'], attrs: { keepdims: 0 } }], { axes: { shape: [1], data: [2], int64: true } }],
  ),
  ['GlobalMaxPool', [{ op: 'GlobalMaxPool', inputs: ['x'], outputs: ['y'] }]],
  ['GlobalAveragePool', [{ op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }]],
  ['MaxPool', [{ op: 'MaxPool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3], strides: [2], pads: [1, 1] } }]],
  ['AveragePool', [{ op: 'AveragePool', inputs: ['x'], outputs: ['y'], attrs: { kernel_shape: [3], strides: [2], pads: [1, 1], count_include_pad: 1 } }]],
  ['Softmax', [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: { axis: 2 } }]],
  ['LayerNormalization', [{ op: 'LayerNormalization', inputs: ['x', 'g', 'b'], outputs: ['y'], attrs: { axis: -1 } }], { g: { shape: [8], data: [1, 0.5, 2, 1.5, 1, 0.8, 1.2, 0.9] }, b: { shape: [8], data: new Array(8).fill(0.1) } }],
  ['Transpose', [{ op: 'Transpose', inputs: ['x'], outputs: ['y'], attrs: { perm: [0, 2, 1] } }]],
  ['Slice', [{ op: 'Slice', inputs: ['x', 'starts', 'ends', 'axes', 'steps'], outputs: ['y'] }], { starts: { shape: [1], data: [1], int64: true }, ends: { shape: [1], data: [7], int64: true }, axes: { shape: [1], data: [2], int64: true }, steps: { shape: [1], data: [2], int64: true } }],
  ['Pad (reflect)', [{ op: 'Pad', inputs: ['x', 'pads'], outputs: ['y'], attrs: { mode: 'reflect' } }], { pads: { shape: [6], data: [0, 0, 2, 0, 0, 3], int64: true } }],
  ['Tile', [{ op: 'Tile', inputs: ['x', 'repeats'], outputs: ['y'] }], { repeats: { shape: [3], data: [1, 2, 1], int64: true } }],
  ['Expand', [{ op: 'Expand', inputs: ['x', 'shape'], outputs: ['y'] }], { shape: { shape: [4], data: [2, 1, 3, 8], int64: true } }],
  ['Gather (repeated indices)', [{ op: 'Gather', inputs: ['x', 'i'], outputs: ['y'], attrs: { axis: 2 } }], { i: { shape: [4], data: [0, 3, 3, 7], int64: true } }],
  ['Concat', [{ op: 'Concat', inputs: ['x', 'x'], outputs: ['y'], attrs: { axis: 1 } }]],
  ['MatMul', [{ op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }], { w: { shape: [8, 5], data: Array.from({ length: 40 }, (_, i) => Math.sin(i)) } }],
  ['Conv (groups, dilation, stride)', [{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { group: 3, kernel_shape: [3], dilations: [2], strides: [2], pads: [2, 1] } }], { w: { shape: [6, 1, 3], data: Array.from({ length: 18 }, (_, i) => Math.cos(i)) }, b: { shape: [6], data: [0.1, 0.2, 0.3, -0.1, -0.2, 0] } }],
];

describe('each op gradient against central differences', () => {
  for (const [what, nodes, initializers, positive] of CASES) {
    it(what, () => {
      const graph = graphOf({ inputs: [{ name: 'x', shape: SHAPE }], outputs: ['y'], initializers, nodes });
      const random = lcg(7);
      const x = Float32Array.from({ length: sizeOf(SHAPE) }, () => {
        const magnitude = 0.2 + random();
        return positive || random() < 0.5 ? magnitude : -magnitude;
      });
      const size = sizeOf(graph.values.get('y')!.shape);
      const seed = Float64Array.from({ length: size }, () => random() - 0.5);
      const gg = differentiate(graph, ['x'], 'the check');
      gg.forward([x]);
      const ours = gg.backward(seed).map((g) => g.slice())[0];
      const compiled = compileGraph(graph);
      const score = (input: Float32Array) => compiled.run([input])[0].reduce((sum, v, i) => sum + seed[i] * v, 0);
      const step = 1e-3;
      const largest = Math.max(...Array.from(ours, Math.abs));
      expect(largest).toBeGreaterThan(0);
      for (let i = 0; i < x.length; i++) {
        const [up, down] = [x.slice(), x.slice()];
        up[i] += step;
        down[i] -= step;
        const numeric = (score(up) - score(down)) / (Math.fround(x[i] + step) - Math.fround(x[i] - step));
        expect(Math.abs(ours[i] - numeric), `d/dx[${i}]`).toBeLessThanOrEqual(5e-3 * largest);
      }
    });
  }
});
