/**
 * Data-movement and index ops: Split, Tile, Gather, GatherElements, ArgMax, ArgMin, Resize.
 * The reference against onnxruntime: exactly where the op only moves or selects values (and
 * for indices); within the oracles' tolerance for linear Resize (ORACLE_TOLERANCE: max |error|
 * / max |output| <= 1e-5, as onnxruntime weighs the corners in its own order). The C against
 * the reference bit for bit. A graph of several outputs (Split) ends in a Concat, as the C API
 * returns one; ArgMax's int64 indices feed GatherElements and Gather at run time, or end the
 * graph (returned to C as floats). One graph of them all runs on Cortex-M0 and M4F under QEMU.
 * Resize's cubic, antialias and tf_crop_and_resize: resize.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/codegen/emit.js';
import { verifyDevice, verifyHost } from '../../src/codegen/verify.js';
import { cortexTarget } from '../../src/toolchain/targets.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { compileGraph } from '../../src/ref/interpreter.js';
import type { ModelSpec, NodeSpec } from '../../src/onnx/build.js';
import { sizeOf } from '../../src/ir/graph.js';
import { expectVerified } from '../helpers/bit-exact.js';
import { graphOf } from '../helpers/model.js';
import { randomFloats } from '../helpers/random.js';
import { agreesWithOrt, ort } from '../helpers/ort.js';

const COUNT = 3;

interface Case {
  name: string;
  /** One sample's input shape (the model's is [N, ...shape]). */
  shape: number[];
  nodes: NodeSpec[];
  initializers?: ModelSpec['initializers'];
  opset?: number;
  /** onnxruntime must give exactly the reference's values. */
  exact: boolean;
  /** Values with ties (for ArgMax and ArgMin's first or last of equal ones). */
  ties?: boolean;
}

const ints = (values: number[]) => ({ shape: [values.length], data: values, int64: true });
const floats = (values: number[]) => ({ shape: [values.length], data: values });

const resize = (name: string, attrs: NodeSpec['attrs'], scales: number[] | undefined, sizes?: number[], opset = 19): Case => ({
  name: `Resize ${name}`,
  shape: [2, 16],
  opset,
  exact: attrs?.mode !== 'linear',
  nodes: [{ name: 'resize', op: 'Resize', inputs: opset < 11 ? ['x', 'scales'] : ['x', '', scales ? 'scales' : '', sizes ? 'sizes' : ''], outputs: ['y'], attrs }],
  initializers: { ...(scales ? { scales: floats(scales) } : {}), ...(sizes ? { sizes: ints(sizes) } : {}) },
});

const TRANSFORMS = ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'];
const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

const CASES: Case[] = [
  {
    name: 'Split (split as an input), outputs concatenated in reverse',
    shape: [4, 12],
    exact: true,
    nodes: [
      { name: 'split', op: 'Split', inputs: ['x', 'parts'], outputs: ['a', 'b', 'c'], attrs: { axis: -1 } },
      { name: 'cat', op: 'Concat', inputs: ['c', 'a', 'b'], outputs: ['y'], attrs: { axis: 2 } },
    ],
    initializers: { parts: ints([3, 4, 5]) },
  },
  {
    name: 'Split (opset 11 attribute) along the channels',
    shape: [4, 12],
    opset: 11,
    exact: true,
    nodes: [
      { name: 'split', op: 'Split', inputs: ['x'], outputs: ['a', 'b'], attrs: { axis: 1, split: [1, 3] } },
      { name: 'cat', op: 'Concat', inputs: ['b', 'a'], outputs: ['y'], attrs: { axis: 1 } },
    ],
  },
  {
    name: 'Split (opset 18 num_outputs, the last part smaller)',
    shape: [4, 13],
    opset: 18,
    exact: true,
    nodes: [
      { name: 'split', op: 'Split', inputs: ['x'], outputs: ['a', 'b', 'c', 'd', 'e'], attrs: { axis: 2, num_outputs: 5 } },
      { name: 'cat', op: 'Concat', inputs: ['e', 'd', 'c', 'b', 'a'], outputs: ['y'], attrs: { axis: 2 } },
    ],
  },
  { name: 'Tile', shape: [3, 5], exact: true, nodes: [{ name: 'tile', op: 'Tile', inputs: ['x', 'repeats'], outputs: ['y'] }], initializers: { repeats: ints([1, 2, 3]) } },
  {
    name: 'Tile above the C kernel rank (one copy per leading index)',
    shape: [2, 1, 3, 2],
    exact: true,
    nodes: [{ name: 'tile', op: 'Tile', inputs: ['x', 'repeats'], outputs: ['y'] }],
    initializers: { repeats: ints([1, 3, 2, 2, 2]) },
  },
  {
    name: 'Gather on the channels, 2-D indices with negative ones',
    shape: [4, 10],
    exact: true,
    nodes: [{ name: 'gather', op: 'Gather', inputs: ['x', 'indices'], outputs: ['y'], attrs: { axis: 1 } }],
    initializers: { indices: { shape: [2, 2], data: [1, -1, 0, 2], int64: true } },
  },
  {
    name: 'Gather on the time axis',
    shape: [4, 10],
    exact: true,
    nodes: [{ name: 'gather', op: 'Gather', inputs: ['x', 'indices'], outputs: ['y'], attrs: { axis: -1 } }],
    initializers: { indices: ints([9, 0, -3, 4, 4]) },
  },
  {
    name: 'GatherElements on the time axis, negative indices',
    shape: [4, 10],
    exact: true,
    nodes: [{ name: 'ge', op: 'GatherElements', inputs: ['x', 'indices'], outputs: ['y'], attrs: { axis: 2 } }],
    initializers: { indices: { shape: [1, 3, 4], data: [0, -1, 5, 9, 1, 1, -10, 3, 7, 2, 8, 6], int64: true } },
  },
  {
    name: 'GatherElements on the channels',
    shape: [4, 10],
    exact: true,
    nodes: [{ name: 'ge', op: 'GatherElements', inputs: ['x', 'indices'], outputs: ['y'], attrs: { axis: 1 } }],
    initializers: { indices: { shape: [1, 2, 3], data: [3, 0, -2, 1, 1, 0], int64: true } },
  },
  {
    name: 'ArgMax (keepdims) into GatherElements at run time: the maximum',
    shape: [4, 10],
    exact: true,
    ties: true,
    nodes: [
      { name: 'argmax', op: 'ArgMax', inputs: ['x'], outputs: ['i'], attrs: { axis: 2, keepdims: 1 } },
      { name: 'ge', op: 'GatherElements', inputs: ['x', 'i'], outputs: ['y'], attrs: { axis: 2 } },
    ],
  },
  {
    name: 'ArgMin (select_last_index, no keepdims) into Gather from a constant table',
    shape: [4, 10],
    exact: true,
    ties: true,
    nodes: [
      { name: 'argmin', op: 'ArgMin', inputs: ['x'], outputs: ['i'], attrs: { axis: 1, keepdims: 0, select_last_index: 1 } },
      { name: 'labels', op: 'Gather', inputs: ['table', 'i'], outputs: ['y'], attrs: { axis: 0 } },
    ],
    initializers: { table: floats([10, 20, 30, 40]) },
  },
  { name: 'ArgMax as the graph output', shape: [4, 10], exact: true, ties: true, nodes: [{ name: 'argmax', op: 'ArgMax', inputs: ['x'], outputs: ['y'], attrs: { axis: -1, keepdims: 0 } }] },
  {
    name: 'ArgMin (select_last_index) as the graph output',
    shape: [4, 10],
    exact: true,
    ties: true,
    nodes: [{ name: 'argmin', op: 'ArgMin', inputs: ['x'], outputs: ['y'], attrs: { axis: 1, select_last_index: 1 } }],
  },
  ...TRANSFORMS.flatMap((transform, i) => [
    resize(`nearest up ${transform} ${NEAREST_MODES[i % 4]}`, { mode: 'nearest', coordinate_transformation_mode: transform, nearest_mode: NEAREST_MODES[i % 4] }, [1, 1, 2.5]),
    // align_corners by a scale whose length is not whole: onnxruntime and ONNX's reference differ (the node tests hold ONNX's)
    resize(`nearest down ${transform} ${NEAREST_MODES[(i + 1) % 4]}`, { mode: 'nearest', coordinate_transformation_mode: transform, nearest_mode: NEAREST_MODES[(i + 1) % 4] }, [1, 1, transform === 'align_corners' ? 0.625 : 0.6]),
    resize(`linear up ${transform}`, { mode: 'linear', coordinate_transformation_mode: transform }, [1, 1, 2.5]),
    resize(`linear down (sizes) ${transform}`, { mode: 'linear', coordinate_transformation_mode: transform }, undefined, [1, 2, 7]),
  ]),
  resize('nearest on the channels and time', { mode: 'nearest' }, [1, 2, 1.5]),
  resize('linear on the channels and time', { mode: 'linear' }, [1, 2, 1.5]),
  resize('linear on the channels and time, align_corners (sizes)', { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, undefined, [1, 3, 9]),
  resize('linear on the batch, channels and time', { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, [2, 1.5, 0.75]),
  resize('opset 10 nearest', { mode: 'nearest' }, [1, 1, 2], undefined, 10),
  resize('opset 10 linear', { mode: 'linear' }, [1, 1, 2], undefined, 10),
  resize('opset 13 linear (sizes)', { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, undefined, [1, 2, 40], 13),
];

const CHAIN: Case = {
  name: 'every op in one graph',
  shape: [4, 16],
  exact: false,
  nodes: [
    { name: 'split', op: 'Split', inputs: ['x', 'parts'], outputs: ['a', 'b'], attrs: { axis: 1 } },
    { name: 'tile', op: 'Tile', inputs: ['a', 'repeats'], outputs: ['t'] },
    { name: 'add', op: 'Add', inputs: ['b', 't'], outputs: ['u'] },
    { name: 'linear', op: 'Resize', inputs: ['u', '', 'up'], outputs: ['r'], attrs: { mode: 'linear' } },
    { name: 'argmax', op: 'ArgMax', inputs: ['r'], outputs: ['i'], attrs: { axis: 1 } },
    { name: 'max', op: 'GatherElements', inputs: ['r', 'i'], outputs: ['g'], attrs: { axis: 1 } },
    { name: 'nearest', op: 'Resize', inputs: ['g', '', 'down'], outputs: ['n'], attrs: { mode: 'nearest' } },
    { name: 'pick', op: 'Gather', inputs: ['n', 'picks'], outputs: ['y'], attrs: { axis: 2 } },
  ],
  initializers: { parts: ints([1, 3]), repeats: ints([1, 3, 1]), up: floats([1, 1, 1.5]), down: floats([1, 1, 0.5]), picks: ints([11, 0, 5, -1]) },
};
CASES.push(CHAIN);

const specOf = (c: Case): ModelSpec => ({ opset: c.opset ?? 17, inputs: [{ name: 'x', shape: ['N', ...c.shape] }], outputs: ['y'], initializers: c.initializers, nodes: c.nodes });

// Signed values; with ties, few distinct ones.
const inputOf = (c: Case) => {
  const values = randomFloats(COUNT * sizeOf(c.shape), 11, 4);
  return c.ties ? values.map((v) => Math.round(v)) : values;
};

describe('data-movement and index ops', () => {
  for (const c of CASES) {
    it.skipIf(!ort)(`${c.name}: the reference agrees with onnxruntime`, async () => {
      await agreesWithOrt(specOf(c), inputOf(c), COUNT, c.shape, { exact: c.exact });
    });

    it(`${c.name}: the C equals the reference bit for bit`, async () => {
      expectVerified(await verifyHost(graphOf(specOf(c)), 'op.onnx', inputOf(c), COUNT, { optimizations: ['-O0', '-O2'] }));
    });
  }

  it('every op in one graph: the C equals the reference bit for bit on Cortex-M0 and M4F', async () => {
    if (!(await cortexToolsAvailable('Cortex-M data-movement'))) return;
    for (const target of ['cortex-m0', 'cortex-m4f']) {
      expectVerified(await verifyDevice(graphOf(specOf(CHAIN)), 'chain.onnx', inputOf(CHAIN), COUNT, cortexTarget(target)!, { optimizations: ['-O2'] }), target);
    }
  }, 120_000);

  const refused = (c: Omit<Case, 'exact' | 'name'>) => () => graphOf(specOf({ ...c, name: '', exact: true }));

  it('refuses, naming the node, constant indices out of range and split sizes that do not add up', () => {
    const gather = (indices: number[]) => ({ shape: [4, 10], nodes: [{ name: 'gather', op: 'Gather', inputs: ['x', 'indices'], outputs: ['y'], attrs: { axis: 1 } }], initializers: { indices: ints(indices) } });
    expect(refused(gather([4]))).toThrow("node 'gather' (Gather): an index is out of range for axis 1 of size 4");
    expect(refused(gather([-5]))).toThrow("node 'gather' (Gather): an index is out of range for axis 1 of size 4");
    const split = { shape: [4, 10], nodes: [{ name: 'split', op: 'Split', inputs: ['x', 'parts'], outputs: ['a', 'b'], attrs: { axis: 2 } }], initializers: { parts: ints([3, 4]) } };
    expect(refused(split)).toThrow("node 'split' (Split): split sizes [3, 4] do not divide axis 2 of size 10 into its 2 outputs");
  });

  it('stops the reference, naming the node, on a run-time index out of range', () => {
    // ArgMax over 4 channels indexes a table of 3: index 3 is out of range.
    const spec = specOf({
      name: '',
      shape: [4, 10],
      exact: true,
      nodes: [
        { name: 'argmax', op: 'ArgMax', inputs: ['x'], outputs: ['i'], attrs: { axis: 1, keepdims: 0 } },
        { name: 'labels', op: 'Gather', inputs: ['table', 'i'], outputs: ['y'], attrs: { axis: 0 } },
      ],
      initializers: { table: floats([1, 2, 3]) },
    });
    const x = new Float32Array(40);
    x[30] = 1; // channel 3 is the largest at time 0
    expect(() => compileGraph(graphOf(spec)).run([x])).toThrow("node 'labels' (Gather): index 3 is out of range for an axis of size 3");
  });

  it('refuses run-time integers that no C kernel reads (a Cast of indices)', () => {
    const graph = graphOf(specOf({
      name: '',
      shape: [4, 10],
      exact: true,
      nodes: [
        { name: 'argmax', op: 'ArgMax', inputs: ['x'], outputs: ['i'], attrs: { axis: 1 } },
        { name: 'cast', op: 'Cast', inputs: ['i'], outputs: ['y'], attrs: { to: 1 } },
      ],
    }));
    expect(() => generate(graph, 'm.onnx', { target: 'host' })).toThrow("node 'cast' (Cast): integer tensors at run time have no C kernel");
  });
});
