/** Expand: broadcast the input to a constant shape (NumPy rules). */
import type { OpContext, OpDef } from './op.js';
import { lowerStridedCopy } from './copy.js';
import { gatherKernel } from './gather-map.js';
import { broadcastIndexMap, broadcastShapes, broadcastStrides, constantInput, inputShape } from './shapes.js';
import { scatterGradient } from './gradient.js';

function outShape(ctx: OpContext): number[] {
  return broadcastShapes(ctx.node, inputShape(ctx, 0), Array.from(constantInput(ctx, 1, 'shape').data));
}

export const Expand: OpDef = {
  op: 'Expand',
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: outShape(ctx) }],
  prepare: (ctx) => gatherKernel(broadcastIndexMap(inputShape(ctx, 0), outShape(ctx))),
  gradient: (ctx) => scatterGradient(broadcastIndexMap(inputShape(ctx, 0), outShape(ctx))),
  lower: (ctx, [out], c) => lowerStridedCopy(ctx, c, 0, broadcastStrides(inputShape(ctx, 0), out.shape), out.shape),
};
