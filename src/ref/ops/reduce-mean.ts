/** ReduceMean (axes as an attribute, opsets 11-17): see meanKernel for the summation order. */
import { attrInt, attrInts } from '../../onnx/attributes.js';
import type { OpContext, OpDef } from '../op.js';
import { meanKernel, reduction } from './reduce.js';
import { inputShape, normalizeAxis } from './shapes.js';

export function geometry(ctx: OpContext) {
  const shape = inputShape(ctx, 0);
  const axes = (attrInts(ctx.node, 'axes') ?? shape.map((_, i) => i)).map((a) => normalizeAxis(ctx.node, a, shape.length));
  return reduction(shape, axes, attrInt(ctx.node, 'keepdims', 1) === 1);
}

export const ReduceMean: OpDef = {
  infer: (ctx) => [{ dtype: 'float32', shape: geometry(ctx).outShape }],
  prepare(ctx) {
    const mean = meanKernel(geometry(ctx));
    return ([x], [y]) => mean(x, y);
  },
};
