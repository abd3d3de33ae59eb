import { fail } from '../errors.js';
import { attrInts } from '../onnx/attributes.js';
import type { OpContext, OpDef } from './op.js';
import { lowerStridedCopy } from './copy.js';
import { gatherKernel } from './gather-map.js';
import { indexMap, inputShape, stridesOf, where } from './shapes.js';
import { scatterGradient } from './gradient.js';

export function geometry(ctx: OpContext) {
  const shape = inputShape(ctx, 0);
  const perm = attrInts(ctx.node, 'perm') ?? shape.map((_, i) => shape.length - 1 - i);
  if (perm.length !== shape.length || [...perm].sort().some((p, i) => p !== i)) fail(`${where(ctx.node)}: perm ${JSON.stringify(perm)} is not a permutation of rank ${shape.length}`);
  return { shape, perm, outShape: perm.map((p) => shape[p]) };
}

/** Transpose: output axis i is input axis perm[i] (reversed when perm is absent). */
export const Transpose: OpDef = {
  op: 'Transpose',
  infer: (ctx) => [{ dtype: ctx.inputs[0]!.dtype, shape: geometry(ctx).outShape }],
  prepare: (ctx) => gatherKernel(sourceMap(ctx)),
  gradient: (ctx) => scatterGradient(sourceMap(ctx)),
  lower(ctx, _outputs, c) {
    const { shape, perm, outShape } = geometry(ctx);
    const strides = stridesOf(shape);
    lowerStridedCopy(ctx, c, 0, perm.map((p) => strides[p]), outShape);
  },
};

/** For each output element, the input element it copies. */
function sourceMap(ctx: OpContext): Int32Array {
  const { shape, perm, outShape } = geometry(ctx);
  const strides = stridesOf(shape);
  return indexMap(outShape, (index) => index.reduce((sum, v, i) => sum + v * strides[perm[i]], 0));
}
