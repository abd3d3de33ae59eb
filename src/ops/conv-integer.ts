/**
 * ConvInteger (ONNX 10): Conv on 8-bit integers, exactly: y[co, o] = sum over the taps inside
 * the input of (x - x_zero_point) * (w - w_zero_point[co]), an int32 (the zero points per
 * tensor; w's also per output channel). QLinearConv (src/ops/q-linear-conv.ts) requantizes
 * the same sums. No C kernel: a quantized model's convolutions reach C as ConvS8
 * (src/model/passes/absorb-quantization.ts).
 */
import type { TensorData } from '../ir/graph.js';
import { shapeText, sizeOf } from '../ir/graph.js';
import { fail } from '../errors.js';
import { type ConvGeometry, convMacs, geometry } from './conv-geometry.js';
import type { OpContext, OpDef } from './op.js';
import { where } from './shapes.js';
import { tapOffsets } from './window.js';

/** Where a quantized Conv's operands are among its node's inputs (a zero point without an input is 0). */
export interface IntegerConvInputs {
  x: number;
  xZero: number;
  w: number;
  wZero: number;
  /** The int32 bias (QLinearConv's B), if the op has one. */
  bias?: number;
}

/** The node seen as a Conv (x, w, bias at 0, 1, 2), for its geometry. */
export function asConv(ctx: OpContext, at: IntegerConvInputs): OpContext {
  const pick = <T>(list: T[]) => [list[at.x], list[at.w], ...(at.bias !== undefined && list[at.bias] ? [list[at.bias]] : [])];
  return { ...ctx, inputs: pick(ctx.inputs), constants: pick(ctx.constants) };
}

/** The exact integer sums of a quantized Conv (ConvInteger, QLinearConv): `run` fills `sums`, one int32 per output. */
export function integerConvolution(ctx: OpContext, at: IntegerConvInputs): { g: ConvGeometry; run(inputs: TensorData[], sums: TensorData): void } {
  const g = geometry(asConv(ctx, at));
  const { windows, batch, inChannels, outChannels, group } = g;
  const { inSize, outSize, taps, offsets } = tapOffsets(windows);
  const [inPerGroup, outPerGroup] = [inChannels / group, outChannels / group];
  const zeroCount = (i: number) => (ctx.inputs[i] ? sizeOf(ctx.inputs[i]!.shape) : 0);
  if (zeroCount(at.xZero) > 1) fail(`${where(ctx.node)}: x's zero point must be one value; it is ${shapeText(ctx.inputs[at.xZero]!.shape)}`);
  if (![0, 1, outChannels].includes(zeroCount(at.wZero))) fail(`${where(ctx.node)}: w's zero point must be one value or one per output channel (${outChannels}); it is ${shapeText(ctx.inputs[at.wZero]!.shape)}`);
  return {
    g,
    run(inputs, sums) {
      const [x, w, xZeros, wZeros] = [inputs[at.x], inputs[at.w], inputs[at.xZero], inputs[at.wZero]];
      const bias = at.bias !== undefined ? inputs[at.bias] : undefined;
      const xZero = xZeros ? xZeros[0] : 0;
      for (let n = 0; n < batch; n++) {
        const [xn, yn] = [n * inChannels * inSize, n * outChannels * outSize];
        for (let co = 0; co < outChannels; co++) {
          const wZero = wZeros ? wZeros[wZeros.length === 1 ? 0 : co] : 0;
          const firstChannel = Math.floor(co / outPerGroup) * inPerGroup;
          for (let o = 0; o < outSize; o++) {
            let acc = bias ? bias[co] : 0;
            for (let ci = 0; ci < inPerGroup; ci++) {
              for (let t = 0; t < taps; t++) {
                const from = offsets[o * taps + t];
                if (from >= 0) acc += (w[(co * inPerGroup + ci) * taps + t] - wZero) * (x[xn + (firstChannel + ci) * inSize + from] - xZero);
              }
            }
            sums[yn + co * outSize + o] = acc | 0; // int32, wrapping as the spec allows
          }
        }
      }
    },
  };
}

const AT: IntegerConvInputs = { x: 0, w: 1, xZero: 2, wZero: 3 };

export const ConvInteger: OpDef = {
  op: 'ConvInteger',
  infer: (ctx) => [{ dtype: 'int32', shape: geometry(asConv(ctx, AT)).outShape }],
  macs: (ctx) => convMacs(asConv(ctx, AT)),
  prepare(ctx) {
    const { run } = integerConvolution(ctx, AT);
    return (inputs, [y]) => run(inputs, y);
  },
};
