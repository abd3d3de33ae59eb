/** ReduceMean (axes as an attribute, opsets 11-17): see meanKernel for the summation order. */
import { attrInt, attrInts } from '../onnx/attributes.js';
import type { OpContext, OpDef } from './op.js';
import { REDUCE_MEAN_F32, lowerReduction, meanKernel, reduction } from './reduce.js';
import { inputShape, normalizeAxis } from './shapes.js';

function axes(ctx: OpContext): number[] {
  const shape = inputShape(ctx, 0);
  return (attrInts(ctx.node, 'axes') ?? shape.map((_, i) => i)).map((a) => normalizeAxis(ctx.node, a, shape.length));
}

function geometry(ctx: OpContext) {
  return reduction(inputShape(ctx, 0), axes(ctx), attrInt(ctx.node, 'keepdims', 1) === 1);
}

export const ReduceMean: OpDef = {
  op: 'ReduceMean',
  infer: (ctx) => [{ dtype: 'float32', shape: geometry(ctx).outShape }],
  prepare(ctx) {
    const mean = meanKernel(geometry(ctx));
    return ([x], [y]) => mean(x, y);
  },
  lower: (ctx, _outputs, c) => lowerReduction(ctx, c, REDUCE_MEAN_F32, axes(ctx)),
};
