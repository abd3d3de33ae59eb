/**
 * Pooling over one and two spatial axes: MaxPool, AveragePool (pads, count_include_pad,
 * ceil_mode, dilations), LpPool (p = 1, 2, and 3 and 5 through ecgc's pow) and the global pools (2-D). The reference against
 * onnxruntime (within the oracles' tolerance), the C (ecgc_pool2d.c, ecgc_reduce.c) against
 * the reference bit for bit. One graph per input rank: every pool reads x, their results
 * flattened side by side. MaxPool's Indices output against onnxruntime.
 */
import { describe, expect, it } from 'vitest';
import { verifyHost } from '../../src/codegen/verify.js';
import { generate } from '../../src/codegen/emit.js';
import type { ModelSpec, NodeSpec } from '../../src/onnx/build.js';
import { runReference } from '../helpers/fixtures.js';
import { expectVerified } from '../helpers/bit-exact.js';
import { graphOf } from '../helpers/model.js';
import { agreesWithOrt, ort } from '../helpers/ort.js';
import { randomFloats } from '../helpers/random.js';

type Pool = { op: string; attrs?: NodeSpec['attrs'] };

const POOLS_2D: Pool[] = [
  { op: 'MaxPool', attrs: { kernel_shape: [1, 2], strides: [1, 2] } },
  { op: 'MaxPool', attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 } },
  { op: 'MaxPool', attrs: { kernel_shape: [2, 3], dilations: [2, 2], pads: [0, 1, 1, 0] } },
  { op: 'AveragePool', attrs: { kernel_shape: [1, 4], strides: [1, 4] } },
  { op: 'AveragePool', attrs: { kernel_shape: [3, 3], strides: [2, 3], pads: [1, 1, 1, 1] } },
  { op: 'AveragePool', attrs: { kernel_shape: [3, 3], strides: [2, 3], pads: [1, 1, 1, 1], count_include_pad: 1 } },
  { op: 'AveragePool', attrs: { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 } },
  { op: 'AveragePool', attrs: { kernel_shape: [2, 2], dilations: [2, 3], pads: [1, 0, 0, 1] } },
  { op: 'AveragePool', attrs: { kernel_shape: [3, 2], auto_pad: 'SAME_UPPER', strides: [2, 2] } },
  // dilated, count_include_pad and a last window past the padding: every tap counts (as onnxruntime)
  { op: 'AveragePool', attrs: { kernel_shape: [3, 3], strides: [2, 2], dilations: [2, 1], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 } },
  { op: 'LpPool', attrs: { kernel_shape: [2, 3], strides: [1, 2], pads: [1, 1, 0, 1] } },
  { op: 'LpPool', attrs: { kernel_shape: [1, 3], p: 1 } },
  { op: 'LpPool', attrs: { kernel_shape: [2, 2], strides: [2, 1], pads: [0, 1, 1, 0], p: 3 } },
  { op: 'GlobalAveragePool' },
  { op: 'GlobalMaxPool' },
];

const POOLS_1D: Pool[] = [
  { op: 'AveragePool', attrs: { kernel_shape: [3], dilations: [2], pads: [1, 2] } },
  { op: 'LpPool', attrs: { kernel_shape: [4], strides: [3], pads: [2, 1] } },
  { op: 'LpPool', attrs: { kernel_shape: [2], p: 1 } },
  { op: 'LpPool', attrs: { kernel_shape: [3], dilations: [2], p: 5 } },
];

function poolsModel(pools: Pool[], sample: number[], opset = 19): ModelSpec {
  const nodes: NodeSpec[] = pools.flatMap(({ op, attrs }, i) => [
    { name: `p${i}`, op, inputs: ['x'], outputs: [`p${i}`], attrs },
    { op: 'Flatten', inputs: [`p${i}`], outputs: [`f${i}`], attrs: { axis: 1 } },
  ]);
  nodes.push({ name: 'cat', op: 'Concat', inputs: pools.map((_, i) => `f${i}`), outputs: ['y'], attrs: { axis: 1 } });
  return { opset, inputs: [{ name: 'x', shape: ['N', ...sample] }], outputs: ['y'], nodes };
}

const COUNT = 3;

for (const [rank, pools, sample] of [['2-D', POOLS_2D, [3, 6, 17]], ['1-D', POOLS_1D, [3, 19]]] as const) {
  describe(`pooling, ${rank}`, () => {
    const spec = poolsModel(pools, [...sample]);
    const x = randomFloats(COUNT * sample.reduce((p, d) => p * d, 1), 21, 2);

    it.skipIf(!ort)('the reference agrees with onnxruntime', async () => {
      await agreesWithOrt(spec, x, COUNT, [...sample]);
    });

    it('the C equals the reference bit for bit', async () => {
      expectVerified(await verifyHost(graphOf(spec), 'pools.onnx', x, COUNT, { optimizations: ['-O0', '-O2'] }));
    }, 120_000);
  });
}

/** MaxPool's Indices (reference only), read through Cast to float: flat input offsets, row-major or column-major (storage_order) over the spatial axes. */
describe('MaxPool Indices', () => {
  const indicesModel = (attrs: NodeSpec['attrs']): ModelSpec => ({
    inputs: [{ name: 'x', shape: ['N', 3, 6, 7] }],
    outputs: ['y'],
    nodes: [
      { name: 'pool', op: 'MaxPool', inputs: ['x'], outputs: ['max', 'indices'], attrs },
      { op: 'Cast', inputs: ['indices'], outputs: ['y'], attrs: { to: 1 } },
    ],
  });
  const x = randomFloats(COUNT * 3 * 6 * 7, 23, 2);
  for (const attrs of [{ kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1] }, { kernel_shape: [2, 3], dilations: [2, 1], storage_order: 1 }] as NodeSpec['attrs'][]) {
    it.skipIf(!ort)(`${JSON.stringify(attrs)}: the reference agrees with onnxruntime`, async () => {
      await agreesWithOrt(indicesModel(attrs), x, COUNT, [3, 6, 7]);
    });
  }

  it('the C refuses a graph that reads the Indices, naming the node and the output', () => {
    const spec = indicesModel({ kernel_shape: [2, 2] });
    const indicesOut = { ...spec, outputs: ['indices'], nodes: spec.nodes.slice(0, 1) };
    expect(() => generate(graphOf(indicesOut), 'p.onnx', { target: 'host' })).toThrow("node 'pool' (MaxPool): its output 'indices' has no C kernel");
  });
});

describe('pooling refusals', () => {
  it('LpPool refuses p below 1, naming the node', () => {
    expect(() => runReference(graphOf(poolsModel([{ op: 'LpPool', attrs: { kernel_shape: [2], p: 0 } }], [2, 8])), randomFloats(16, 1), 1)).toThrow("node 'p0' (LpPool): p = 0 is not supported (p must be at least 1)");
  });

  it('3-D pooling has no C kernel: refused naming the node', () => {
    const graph = graphOf(poolsModel([{ op: 'MaxPool', attrs: { kernel_shape: [1, 2, 2] } }], [2, 3, 4, 4]));
    expect(() => generate(graph, 'p.onnx', { target: 'host' })).toThrow("node 'p0' (MaxPool): 3-D pooling has no C kernel (1-D and 2-D have)");
  });
});
