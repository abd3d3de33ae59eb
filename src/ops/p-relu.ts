/** PRelu: x < 0 ? fround(slope * x) : x, the slope broadcast to x's shape (unidirectional, as ONNX has it from opset 7). */
import { fail } from '../errors.js';
import { shapeText } from '../ir/graph.js';
import { broadcastKernel, lowerBinary, prepareBinary } from './binary.js';
import type { OpContext, OpDef } from './op.js';
import { broadcastShapes, inputShape, where } from './shapes.js';

const PRELU_F32 = broadcastKernel('ecgc_prelu_f32');

function xShape(ctx: OpContext): number[] {
  const [x, slope] = [inputShape(ctx, 0), inputShape(ctx, 1)];
  if (shapeText(broadcastShapes(ctx.node, x, slope)) !== shapeText(x)) fail(`${where(ctx.node)}: the slope ${shapeText(slope)} does not broadcast to the input's shape ${shapeText(x)}`);
  return x;
}

export const PRelu: OpDef = {
  op: 'PRelu',
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: xShape(ctx) }],
  prepare: (ctx, [out]) => prepareBinary(ctx, out.shape, (x, slope) => (x < 0 ? slope * x : x)),
  lower: (ctx, [out], c) => lowerBinary(ctx, out.shape, c, PRELU_F32),
};
