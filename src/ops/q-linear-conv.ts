/**
 * QLinearConv (ONNX 10): Conv on quantized tensors, as ONNX's reference defines it: the exact
 * integer sums of ConvInteger (src/ops/conv-integer.ts) plus the int32 bias B, times
 * x_scale * w_scale[co] / y_scale (computed in float32), plus y_zero_point, saturated to the
 * output type and rounded half to even. w_scale and w_zero_point are per tensor or per output
 * channel.
 *
 * No C kernel of its own: with constant weights, scales and zero points, its input quantized by
 * the model, the import takes it in QDQ form (qdqForm), which becomes ConvS8 with the model's
 * scales (src/model/passes/absorb-quantization.ts).
 */
import { INTEGER_FORMATS, roundHalfEven } from '../ir/formats.js';
import { type Graph, type Node, sizeOf } from '../ir/graph.js';
import { fail } from '../errors.js';
import { type IntegerConvInputs, asConv, integerConvolution } from './conv-integer.js';
import { convMacs, geometry } from './conv-geometry.js';
import { Conv } from './conv.js';
import { DequantizeLinear } from './dequantize-linear.js';
import type { OpContext, OpDef } from './op.js';
import { QuantizeLinear } from './quantize-linear.js';
import { where } from './shapes.js';

/** Where a QOperator op's operands are among its inputs: x its run-time input, w its weight. */
export interface QLinearInputs {
  x: number;
  xScale: number;
  xZero: number;
  w: number;
  wScale: number;
  wZero: number;
  yScale: number;
  yZero: number;
  bias?: number;
}

const Q_LINEAR_CONV: QLinearInputs & IntegerConvInputs = { x: 0, xScale: 1, xZero: 2, w: 3, wScale: 4, wZero: 5, yScale: 6, yZero: 7, bias: 8 };

/**
 * A QOperator node in QDQ form (OpDef.dequantized): x and w through DequantizeLinear (w's
 * scales along `weightAxis`), `op` on them with a float32 bias B * x_scale * w_scale (float32
 * products), then QuantizeLinear of the result into the node's output.
 */
export function qdqForm(graph: Graph, node: Node, at: QLinearInputs, op: string, weightAxis: number): Node[] | undefined {
  const input = (i: number | undefined) => (i === undefined ? '' : (node.inputs[i] ?? ''));
  const constants = [at.xScale, at.xZero, at.w, at.wScale, at.wZero, at.yScale, at.yZero, at.bias].every((i) => !input(i) || graph.constants.has(input(i)));
  const xScale = graph.constants.get(input(at.xScale));
  if (!constants || !xScale || sizeOf(xScale.shape) !== 1) return undefined;
  const name = (suffix: string) => `${node.name}__${suffix}`;
  const [x, w, y] = [name('x'), name('w'), name('y')];
  const inputs = [x, w];
  const bias = graph.constants.get(input(at.bias));
  if (bias) {
    const f = Math.fround;
    const wScales = graph.constants.get(input(at.wScale))!.data;
    const data = Float32Array.from(bias.data, (b, co) => f(b * f(xScale.data[0] * wScales[wScales.length === 1 ? 0 : co])));
    const info = { dtype: 'float32' as const, shape: [data.length] };
    inputs.push(name('bias'));
    graph.constants.set(name('bias'), { ...info, data });
    graph.values.set(name('bias'), info);
  }
  const optional = (...names: string[]) => names.filter((n, i) => i < 2 || n !== '');
  return [
    { name: name('dequantize_x'), op: DequantizeLinear.op, inputs: optional(input(at.x), input(at.xScale), input(at.xZero)), outputs: [x], attrs: {} },
    { name: name('dequantize_w'), op: DequantizeLinear.op, inputs: optional(input(at.w), input(at.wScale), input(at.wZero)), outputs: [w], attrs: { axis: weightAxis } },
    { name: node.name, op, inputs, outputs: [y], attrs: node.attrs },
    { name: name('quantize_y'), op: QuantizeLinear.op, inputs: optional(y, input(at.yScale), input(at.yZero)), outputs: node.outputs, attrs: {} },
  ];
}

/** The output's integer type: y_zero_point's. */
export function quantizedOutput(ctx: OpContext, zero: number): keyof typeof INTEGER_FORMATS {
  const type = ctx.inputs[zero]?.dtype ?? 'uint8';
  if (type !== 'int8' && type !== 'uint8') fail(`${where(ctx.node)}: the output must be int8 or uint8; its zero point is ${type}`);
  return type;
}

/** round_half_even(clamp(sum * scale + zero)) into `type`: QLinearConv's and QLinearMatMul's output stage. */
export function requantizeExactly(type: keyof typeof INTEGER_FORMATS): (sum: number, scale: number, zero: number) => number {
  const { min, max } = INTEGER_FORMATS[type];
  return (sum, scale, zero) => roundHalfEven(Math.min(max, Math.max(min, sum * scale + zero)));
}

export const QLinearConv: OpDef = {
  op: 'QLinearConv',
  infer: (ctx) => [{ dtype: quantizedOutput(ctx, Q_LINEAR_CONV.yZero), shape: geometry(asConv(ctx, Q_LINEAR_CONV)).outShape }],
  dequantized: (graph, node) => qdqForm(graph, node, Q_LINEAR_CONV, Conv.op, 0),
  macs: (ctx) => convMacs(asConv(ctx, Q_LINEAR_CONV)),
  prepare(ctx, [out]) {
    const at = Q_LINEAR_CONV;
    const { g, run } = integerConvolution(ctx, at);
    const scales = ctx.inputs[at.wScale] ? sizeOf(ctx.inputs[at.wScale]!.shape) : 0;
    if (scales !== 1 && scales !== g.outChannels) fail(`${where(ctx.node)}: w_scale must be one value or one per output channel (${g.outChannels})`);
    const outSize = sizeOf(out.shape) / (g.batch * g.outChannels);
    const stage = requantizeExactly(out.dtype as keyof typeof INTEGER_FORMATS);
    const f = Math.fround;
    const [sums, channelScales] = [new Float64Array(sizeOf(out.shape)), new Float64Array(g.outChannels)];
    return (inputs, [y]) => {
      run(inputs, sums);
      const [xScale, wScale, yScale, yZero] = [inputs[at.xScale][0], inputs[at.wScale], inputs[at.yScale][0], inputs[at.yZero]?.[0] ?? 0];
      for (let co = 0; co < g.outChannels; co++) channelScales[co] = f(f(xScale * wScale[scales === 1 ? 0 : co]) / yScale);
      for (let i = 0; i < y.length; i++) y[i] = stage(sums[i], channelScales[Math.floor(i / outSize) % g.outChannels], yZero);
    };
  },
};
