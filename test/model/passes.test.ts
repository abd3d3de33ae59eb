/** What the import passes leave in the graph, on torch exports and hand-built models. */
import { describe, expect, it } from 'vitest';
import { readModelFile } from '../../src/onnx/import.js';
import { compileGraph } from '../../src/ref/interpreter.js';
import { fixturePath, loadFixture } from '../helpers/fixtures.js';
import { graphOf } from '../helpers/model.js';
import { randomFloats } from '../helpers/random.js';

const opsOf = (name: string) => loadFixture(name).graph.nodes.map((n) => n.op);
const rawOpsOf = (name: string) => readModelFile(fixturePath(name, 'model.onnx')).nodes.map((n) => n.op);

describe('BatchNormalization', () => {
  it('is folded into the preceding Conv when nothing else reads the Conv', () => {
    expect(rawOpsOf('bn_preserve_mode')).toContain('BatchNormalization');
    const ops = opsOf('bn_preserve_mode');
    expect(ops).not.toContain('BatchNormalization');
    expect(ops).not.toContain('ChannelAffine');
  });

  it('becomes ChannelAffine where it cannot be folded (at the input, after ReLU, after Add)', () => {
    const raw = rawOpsOf('bn_unfusable').filter((op) => op === 'BatchNormalization').length;
    const ops = opsOf('bn_unfusable');
    expect(ops).not.toContain('BatchNormalization');
    expect(ops.filter((op) => op === 'ChannelAffine').length).toBe(raw);
  });

  it('folds into a Gemm (BatchNorm1d after Linear)', () => {
    const graph = graphOf({
      inputs: [{ name: 'x', shape: ['N', 4] }],
      outputs: ['y'],
      initializers: {
        w: { shape: [3, 4], data: randomFloats(12, 1) },
        b: { shape: [3], data: randomFloats(3, 2) },
        gamma: { shape: [3], data: [1.5, 0.5, 2] },
        beta: { shape: [3], data: [0.1, -0.2, 0.3] },
        mean: { shape: [3], data: [0.3, -0.1, 0.2] },
        variance: { shape: [3], data: [0.5, 2, 1] },
      },
      nodes: [
        { op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['h'], attrs: { transB: 1 } },
        { op: 'BatchNormalization', inputs: ['h', 'gamma', 'beta', 'mean', 'variance'], outputs: ['y'] },
      ],
    });
    expect(graph.nodes.map((n) => n.op)).toEqual(['Gemm']);
    const x = randomFloats(4, 3);
    const y = compileGraph(graph).run([x])[0];
    const w = randomFloats(12, 1);
    const b = randomFloats(3, 2);
    const [gamma, beta, mean, variance] = [[1.5, 0.5, 2], [0.1, -0.2, 0.3], [0.3, -0.1, 0.2], [0.5, 2, 1]];
    for (let c = 0; c < 3; c++) {
      let h = b[c];
      for (let k = 0; k < 4; k++) h += x[k] * w[c * 4 + k];
      const expected = ((h - mean[c]) / Math.sqrt(variance[c] + 1e-5)) * gamma[c] + beta[c];
      expect(Math.abs(y[c] - expected)).toBeLessThan(1e-5);
    }
  });
});

describe('constant folding and shape inference', () => {
  it('folds the Shape/Gather/Concat/Cast chains torch exports, leaving no integer op', () => {
    for (const name of ['shape_ops', 'shape_ops_opset11', 'transformer_opset17', 'global_pools_reduce', 'conv_groups_padding']) {
      const raw = rawOpsOf(name);
      const ops = opsOf(name);
      expect(raw.some((op) => ['Shape', 'Cast', 'ConstantOfShape'].includes(op))).toBe(true);
      for (const op of ['Shape', 'Cast', 'ConstantOfShape', 'Equal', 'Constant']) expect(ops).not.toContain(op);
    }
  });

  it('inlines an If whose condition folds (squeeze after F.pad)', () => {
    expect(rawOpsOf('squeeze_after_pad_if')).toContain('If');
    expect(opsOf('squeeze_after_pad_if')).not.toContain('If');
  });

  it('gives every value a concrete shape', () => {
    const { graph } = loadFixture('transformer_opset13');
    for (const node of graph.nodes) {
      for (const output of node.outputs) {
        const info = graph.values.get(output)!;
        expect(info.dtype).toBe('float32');
        expect(info.shape.every((d) => Number.isInteger(d) && d >= 0)).toBe(true);
      }
    }
  });
});

describe('Identity and Dropout elimination', () => {
  it('removes them and keeps the graph output name', () => {
    const graph = graphOf({
      inputs: [{ name: 'x', shape: ['N', 2, 5] }],
      outputs: ['out'],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['a'] },
        { op: 'Identity', inputs: ['a'], outputs: ['b'] },
        { op: 'Dropout', inputs: ['b'], outputs: ['c'] },
        { op: 'Sigmoid', inputs: ['c'], outputs: ['d'] },
        { op: 'Identity', inputs: ['d'], outputs: ['out'] },
      ],
    });
    expect(graph.nodes.map((n) => n.op)).toEqual(['Relu', 'Sigmoid']);
    expect(graph.outputs).toEqual(['out']);
    expect(graph.nodes[1].outputs).toEqual(['out']);
  });

  it('Reshape, Flatten, Squeeze and Unsqueeze run as views of their input', () => {
    const graph = graphOf({
      inputs: [{ name: 'x', shape: ['N', 2, 6] }],
      outputs: ['y'],
      initializers: { shape: { shape: [3], data: [1, 3, 4], int64: true } },
      nodes: [
        { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['r'] },
        { op: 'Flatten', inputs: ['r'], outputs: ['y'], attrs: { axis: 1 } },
      ],
    });
    const x = randomFloats(12, 9);
    const [y] = compileGraph(graph).run([x]);
    expect(graph.values.get('y')!.shape).toEqual([1, 12]);
    expect(Array.from(y)).toEqual(Array.from(x));
  });
});

describe('GELU', () => {
  const SQRT2 = Math.fround(Math.SQRT2);
  /** torch's export of the exact GELU; `extraOutputs` makes intermediates graph outputs. */
  const torchGelu = (divisor: number, extraOutputs: string[] = []) =>
    graphOf({
      inputs: [{ name: 'x', shape: ['N', 3, 64] }],
      outputs: ['y', ...extraOutputs],
      initializers: { s: { shape: [], data: [divisor] }, one: { shape: [], data: [1] }, half: { shape: [], data: [0.5] } },
      nodes: [
        { op: 'Div', inputs: ['x', 's'], outputs: ['d'] },
        { op: 'Erf', inputs: ['d'], outputs: ['e'] },
        { op: 'Add', inputs: ['e', 'one'], outputs: ['a'] },
        { op: 'Mul', inputs: ['x', 'a'], outputs: ['m'] },
        { op: 'Mul', inputs: ['m', 'half'], outputs: ['y'] },
      ],
    });

  it("torch's five ops become one Gelu, which gives their bits", () => {
    const fused = torchGelu(SQRT2);
    expect(fused.nodes.map((n) => n.op)).toEqual(['Gelu']);
    const unfused = torchGelu(SQRT2, ['d']); // the Div's output read elsewhere: nothing fused
    expect(unfused.nodes.map((n) => n.op)).toEqual(['Div', 'Erf', 'Add', 'Mul', 'Mul']);
    const x = Float32Array.from(randomFloats(192, 7), (v, i) => v * (i % 3 === 0 ? 8 : 1) * (i % 2 ? -1 : 1));
    const y = compileGraph(fused).run([x])[0];
    const expected = compileGraph(unfused).run([x])[0];
    expect(new Uint32Array(y.buffer, y.byteOffset, y.length)).toEqual(new Uint32Array(expected.buffer, expected.byteOffset, expected.length));
  });

  it('leaves another divisor as it is', () => {
    expect(torchGelu(Math.fround(1.4142)).nodes.map((n) => n.op)).toEqual(['Div', 'Erf', 'Add', 'Mul', 'Mul']);
  });
});
