/**
 * Graphs of the bool ops and the variadic ops for test/ops/logic.test.ts, which checks their
 * C bit for bit (test/ops/registry.test.ts counts their ops as compiled): a float input
 * [N, 4, 16], float constants t [16] and u [4, 1], a float output.
 */
import type { ModelSpec, NodeSpec } from '../../src/onnx/build.js';
import { onnx } from '../../src/onnx/proto.js';
import { randomFloats } from './random.js';

// quarters, so that Equal and the ties of Max/Min/<= meet equal values; -0 beside 0
export const quarters = (count: number, seed: number) => Float32Array.from(randomFloats(count, seed, 2), (v, i) => (i % 13 === 0 ? -0 : Math.round(v * 4) / 4));

/** A float model [N, 4, 16] -> `output` of the given nodes, with float constants t [16] and u [4, 1]. */
export const model = (nodes: NodeSpec[], output = 'y'): ModelSpec => ({
  inputs: [{ name: 'x', shape: ['N', 4, 16] }],
  outputs: [output],
  initializers: { t: { shape: [16], data: quarters(16, 5) }, u: { shape: [4, 1], data: quarters(4, 6) } },
  nodes,
});

export const LOGIC_MODELS: Record<string, ModelSpec> = Object.fromEntries(
  [
    // a comparison chooses between the input and a constant: Where(x op t, x, u)
    ...['Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Equal'].map((op) => [
      `${op} into Where`,
      model([
        { name: 'cmp', op, inputs: ['x', 't'], outputs: ['c'] },
        { name: 'where', op: 'Where', inputs: ['c', 'x', 'u'], outputs: ['y'] },
      ]),
    ]),
    // logic of two masks (one broadcast from [4, 1]), negated, then as floats
    ...['And', 'Or', 'Xor'].map((op) => [
      `${op}, Not, Cast to float`,
      model([
        { name: 'a', op: 'Less', inputs: ['x', 't'], outputs: ['a'] },
        { name: 'b', op: 'Greater', inputs: ['u', 't'], outputs: ['b'] },
        { name: 'logic', op, inputs: ['a', 'b'], outputs: ['l'] },
        { name: 'not', op: 'Not', inputs: ['l'], outputs: ['n'] },
        { name: 'cast', op: 'Cast', inputs: ['n'], outputs: ['y'], attrs: { to: onnx.TensorProto.DataType.FLOAT } },
      ]),
    ]),
    [
      'Cast float to bool and back, Where with both branches run-time',
      model([
        { name: 'mask', op: 'Cast', inputs: ['x'], outputs: ['m'], attrs: { to: onnx.TensorProto.DataType.BOOL } },
        { name: 'neg', op: 'Neg', inputs: ['x'], outputs: ['nx'] },
        { name: 'where', op: 'Where', inputs: ['m', 'nx', 'x'], outputs: ['w'] },
        { name: 'back', op: 'Cast', inputs: ['m'], outputs: ['f'], attrs: { to: onnx.TensorProto.DataType.FLOAT } },
        { name: 'add', op: 'Add', inputs: ['w', 'f'], outputs: ['y'] },
      ]),
    ],
    // variadic ops: one input, two, and three with broadcasting and a repeated input
    ...['Max', 'Min', 'Sum', 'Mean'].flatMap((op) => [
      [`${op} of one input`, model([{ name: 'v', op, inputs: ['x'], outputs: ['v'] }, { name: 'relu', op: 'Relu', inputs: ['v'], outputs: ['y'] }])],
      [`${op} of two inputs`, model([{ name: 'v', op, inputs: ['x', 't'], outputs: ['y'] }])],
      [`${op} of four inputs, broadcast, one repeated`, model([{ name: 'v', op, inputs: ['u', 'x', 't', 'x'], outputs: ['y'] }])],
    ]),
  ].map(([name, spec]) => [name as string, spec as ModelSpec]),
);
