/**
 * The Reduce* ops: the reference against onnxruntime (an independent reading of the same
 * ONNX graph, within the oracles' tolerance: its summation order is its own), and the C
 * against the reference bit for bit. One graph per op holds four reductions of an
 * [N, 4, 6, 5] input (one axis kept, two axes dropped, a negative axis, every axis), their
 * results flattened side by side. ReduceSum takes its axes as an input (opset 13 on), the
 * others as an attribute (before opset 18).
 */
import { describe, expect, it } from 'vitest';
import { verifyHost } from '../../src/codegen/verify.js';
import { generate } from '../../src/codegen/emit.js';
import type { ModelSpec, NodeSpec } from '../../src/onnx/build.js';
import { runReference } from '../helpers/fixtures.js';
import { expectVerified } from '../helpers/bit-exact.js';
import { graphOf } from '../helpers/model.js';
import { randomFloats } from '../helpers/random.js';
import { agreesWithOrt, ort } from '../helpers/ort.js';

const OPS = ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceSumSquare', 'ReduceLogSumExp'];
const CASES = [
  { axes: [2], keepdims: 1 },
  { axes: [2, 3], keepdims: 0 },
  { axes: [-1], keepdims: 1 },
  { axes: undefined, keepdims: 1 },
];
const COUNT = 3;
const SAMPLE = 4 * 6 * 5;

function reduceModel(op: string, cases: { axes?: number[]; keepdims: number }[]): ModelSpec {
  const axesAsInput = op === 'ReduceSum';
  const initializers: ModelSpec['initializers'] = {};
  const nodes: NodeSpec[] = cases.flatMap(({ axes, keepdims }, i) => {
    const inputs = ['x'];
    if (axes && axesAsInput) {
      initializers[`axes${i}`] = { shape: [axes.length], data: axes, int64: true };
      inputs.push(`axes${i}`);
    }
    const attrs = { keepdims, ...(axes && !axesAsInput ? { axes } : {}) };
    return [
      { name: `r${i}`, op, inputs, outputs: [`r${i}`], attrs },
      { name: `f${i}`, op: 'Flatten', inputs: [`r${i}`], outputs: [`f${i}`], attrs: { axis: 1 } },
    ];
  });
  nodes.push({ name: 'cat', op: 'Concat', inputs: cases.map((_, i) => `f${i}`), outputs: ['y'], attrs: { axis: 1 } });
  return { inputs: [{ name: 'x', shape: ['N', 4, 6, 5] }], outputs: ['y'], initializers, nodes };
}

// Positive values for the product (a mix of magnitudes keeps it finite), signed ones elsewhere.
const inputFor = (op: string) => (op === 'ReduceProd' ? randomFloats(COUNT * SAMPLE, 7, 0.3).map((v) => 1 + v) : randomFloats(COUNT * SAMPLE, 7, 2));

describe('Reduce* ops', () => {
  for (const op of OPS) {
    const spec = reduceModel(op, CASES);

    it.skipIf(!ort)(`${op}: the reference agrees with onnxruntime`, async () => {
      await agreesWithOrt(spec, inputFor(op), COUNT, [4, 6, 5]);
    });

    it(`${op}: the C equals the reference bit for bit`, async () => {
      expectVerified(await verifyHost(graphOf(spec), 'reduce.onnx', inputFor(op), COUNT, { optimizations: ['-O0', '-O2'] }));
    });
  }

  it('refuses, naming the node, a reduction over axes that are not adjacent (no C kernel)', () => {
    const graph = graphOf(reduceModel('ReduceMax', [{ axes: [1, 3], keepdims: 1 }]));
    expect(() => generate(graph, 'r.onnx', { target: 'host' })).toThrow("node 'r0' (ReduceMax): a reduction over non-adjacent axes has no C kernel");
  });

  it('with noop_with_empty_axes and no axes, ReduceSum passes its input through', () => {
    const graph = graphOf({
      inputs: [{ name: 'x', shape: ['N', 4, 6, 5] }],
      outputs: ['y'],
      nodes: [{ op: 'ReduceSum', inputs: ['x'], outputs: ['y'], attrs: { noop_with_empty_axes: 1 } }],
    });
    const x = randomFloats(SAMPLE, 3);
    expect(Array.from(runReference(graph, x, 1))).toEqual(Array.from(x));
  });
});
