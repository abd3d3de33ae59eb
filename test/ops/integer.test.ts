/**
 * The int8 ops that need no weights (src/ops/table-s8.ts, mul-s8.ts, max-pool-s8.ts, average-pool-s8.ts, concat-s8.ts) against
 * float32 on the same values: one-node models through the integer-graph pass, their int8
 * reference outputs compared with what the float32 op gives on the dequantized inputs. The
 * C side of each is checked bit for bit in test/quant/integer-mode.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { optimize } from '../../src/model/load.js';
import { type NodeSpec, buildModel } from '../../src/onnx/build.js';
import { importModel } from '../../src/onnx/import.js';
import { dequantizer, quantizer } from '../../src/quant/activations.js';
import { calibrate } from '../../src/quant/calibrate.js';
import { integerGraph } from '../../src/quant/integer-graph.js';
import { compileGraph } from '../../src/ref/interpreter.js';
import { timeMajorSpan } from '../../src/ops/conv-s8.js';
import { lcg } from '../helpers/random.js';

/** A one-node float model of inputs x (and y) and its integer graph, calibrated on `input`. */
function oneNode(node: NodeSpec, shapes: number[][], input: Float32Array): { float: Graph; integer: Graph } {
  const names = ['x', 'y'].slice(0, shapes.length);
  const float = optimize(importModel(buildModel({ inputs: names.map((name, i) => ({ name, shape: shapes[i] })), outputs: ['out'], nodes: [{ ...node, inputs: names, outputs: ['out'] }] }), 'one.onnx'));
  return { float, integer: integerGraph(float, { tensors: calibrate(float, input, 1).minmax, layers: new Map() }) };
}

/** The int8 values of `value` in the integer graph (its __s8 twin) for `input`. */
function int8Of(graph: Graph, value: string, input: Float32Array): Int8Array {
  const twin = graph.nodes.flatMap((n) => n.outputs).find((name) => name.startsWith(`${value}__s8`))!;
  return Int8Array.from(compileGraph({ ...graph, outputs: [twin] }).run([input])[0]);
}

const quantOf = (graph: Graph, value: string) => {
  const node = graph.nodes.find((n) => n.op === 'DequantizeS8' && n.outputs[0] === value)!;
  return { scale: Number(node.attrs.scale), zeroPoint: Number(node.attrs.zero_point) };
};

const random = (count: number, seed: number, scale = 3) => {
  const next = lcg(seed);
  return Float32Array.from({ length: count }, () => (next() * 2 - 1) * scale);
};

describe('TableS8', () => {
  for (const op of ['Sigmoid', 'Tanh', 'Erf', 'HardSwish', 'Softplus']) {
    it(`${op}: the table gives the int8s of Dequantize, the float32 op and Quantize`, () => {
      const input = random(64, 3);
      const { float, integer } = oneNode({ op, inputs: [], outputs: [] }, [[1, 64]], input);
      expect(integer.nodes.map((n) => n.op)).toEqual(['QuantizeS8', 'TableS8', 'DequantizeS8']);
      const [inQuant, outQuant] = [integer.nodes[0].attrs, quantOf(integer, 'out')];
      const x = int8Of(integer, 'x', input);
      const through = compileGraph(float).run([Float32Array.from(x, dequantizer({ scale: Number(inQuant.scale), zeroPoint: Number(inQuant.zero_point) }))])[0];
      expect(Array.from(int8Of(integer, 'out', input))).toEqual(Array.from(through, quantizer(outQuant)));
    });
  }
});

describe('MulS8', () => {
  it('broadcasts [2, 3, 5] * [2, 3, 1] (x times its channel means) within one step of the output scale of the real product', () => {
    const input = random(30, 5);
    const float = optimize(importModel(buildModel({
      inputs: [{ name: 'x', shape: [2, 3, 5] }],
      outputs: ['out'],
      nodes: [{ op: 'GlobalAveragePool', inputs: ['x'], outputs: ['y'] }, { op: 'Mul', inputs: ['x', 'y'], outputs: ['out'] }],
    }), 'mul.onnx'));
    const tensors = calibrate(float, input, 1).minmax;
    const integer = integerGraph(float, { tensors, layers: new Map() });
    expect(integer.nodes.map((n) => n.op)).toEqual(['QuantizeS8', 'GlobalAveragePoolS8', 'MulS8', 'DequantizeS8']);
    const a = Array.from(int8Of(integer, 'x', input), dequantizer(tensors.get('x')!));
    const b = Array.from(int8Of(integer, 'y', input), dequantizer(tensors.get('y')!));
    const out = quantOf(integer, 'out');
    const got = int8Of(integer, 'out', input);
    for (let i = 0; i < 30; i++) {
      const real = a[i] * b[Math.floor(i / 5)];
      expect(Math.abs(got[i] - Math.max(-128, Math.min(127, out.zeroPoint + Math.round(real / out.scale))))).toBeLessThanOrEqual(1);
    }
  });
});

describe('MaxPoolS8', () => {
  it('keeps the input quantization: the int8 of the maximum, padding never winning', () => {
    const input = random(2 * 23, 7);
    const { integer } = oneNode({ op: 'MaxPool', inputs: [], outputs: [], attrs: { kernel_shape: [4], strides: [3], pads: [2, 3], dilations: [1] } }, [[1, 2, 23]], input);
    const pool = integer.nodes.find((n) => n.op === 'MaxPoolS8')!;
    expect(pool.attrs.zero_point).toBe(integer.nodes[0].attrs.zero_point);
    expect(quantOf(integer, 'out')).toEqual({ scale: integer.nodes[0].attrs.scale, zeroPoint: integer.nodes[0].attrs.zero_point });
    const x = int8Of(integer, 'x', input);
    const got = int8Of(integer, 'out', input);
    const outLength = Math.floor((23 + 5 - 4) / 3) + 1;
    for (let c = 0; c < 2; c++) {
      for (let t = 0; t < outLength; t++) {
        const taps = [0, 1, 2, 3].map((k) => t * 3 - 2 + k).filter((i) => i >= 0 && i < 23);
        expect(got[c * outLength + t]).toBe(Math.max(...taps.map((i) => x[c * 23 + i])));
      }
    }
  });
});

describe('ConcatS8', () => {
  it('requantizes inputs of different scales to the output: each value within one step of its real value', () => {
    const input = random(2 * 3 * 4, 9);
    // x and 4x, concatenated on the channels: two scales four times apart
    const float = optimize(importModel(buildModel({
      inputs: [{ name: 'x', shape: [2, 3, 4] }],
      outputs: ['out'],
      initializers: { four: { shape: [1], data: [4] } },
      nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'Mul', inputs: ['x', 'four'], outputs: ['big'] }, { op: 'Concat', inputs: ['r', 'big'], outputs: ['out'], attrs: { axis: 1 } }],
    }), 'concat.onnx'));
    const tensors = calibrate(float, input, 1).minmax;
    const integer = integerGraph(float, { tensors, layers: new Map() });
    expect(integer.nodes.filter((n) => n.op === 'ConcatS8')).toHaveLength(1);
    const out = quantOf(integer, 'out');
    const got = Array.from(int8Of(integer, 'out', input), dequantizer(out));
    const want = compileGraph(float).run([input])[0];
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(out.scale * 1.5);
  });
});

describe('AveragePoolS8', () => {
  for (const countIncludePad of [0, 1]) {
    it(`count_include_pad ${countIncludePad}, ceil_mode: the int8 mean is the float32 mean of the same int8 inputs, rounded to the nearest step`, () => {
      const input = random(3 * 20, 13);
      const attrs = { kernel_shape: [4], strides: [3], pads: [2, 1], ceil_mode: 1, count_include_pad: countIncludePad };
      const { float, integer } = oneNode({ op: 'AveragePool', inputs: [], outputs: [], attrs }, [[1, 3, 20]], input);
      expect(integer.nodes.map((n) => n.op)).toEqual(['QuantizeS8', 'AveragePoolS8', 'DequantizeS8']);
      const quant = { scale: Number(integer.nodes[0].attrs.scale), zeroPoint: Number(integer.nodes[0].attrs.zero_point) };
      expect(quantOf(integer, 'out')).toEqual(quant);
      const mean = compileGraph(float).run([Float32Array.from(int8Of(integer, 'x', input), dequantizer(quant))])[0];
      const got = int8Of(integer, 'out', input);
      for (let i = 0; i < mean.length; i++) expect(Math.abs(got[i] - quant.zeroPoint - mean[i] / quant.scale)).toBeLessThanOrEqual(0.5 + 1e-4);
    });
  }
});

describe("ConvS8's time-major span", () => {
  // bytes of the copy: 24 channels a position as int8 (V2's features.2, 128 outputs), 72 split into int16 pairs (features.6, 64)
  it('keeps the whole time axis when its copy fits 3 KB, else the most multiples of 8 that fit (8 at least)', () => {
    expect(timeMajorSpan(128, (p) => 24 * p)).toBe(128);
    expect(timeMajorSpan(64, (p) => 144 * p)).toBe(16);
    expect(timeMajorSpan(200, (p) => 24 * (p + 4))).toBe(120);
    expect(timeMajorSpan(100, (p) => 1000 * p)).toBe(8);
  });
});
