/** Shape (with opset-15 start/end): the input's dimensions as int64, folded to a constant. */
import { attrInt } from '../onnx/attributes.js';
import type { OpContext, OpDef } from './op.js';
import { inputShape } from './shapes.js';

function dims(ctx: OpContext): number[] {
  const shape = inputShape(ctx, 0);
  const rank = shape.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  return shape.slice(clamp(attrInt(ctx.node, 'start', 0)), clamp(attrInt(ctx.node, 'end', rank)));
}

export const Shape: OpDef = {
  op: 'Shape',
  shapeOnly: true,
  infer: (ctx) => [{ dtype: 'int64', shape: [dims(ctx).length] }],
  prepare: (ctx) => (_inputs, [y]) => y.set(dims(ctx)),
};
