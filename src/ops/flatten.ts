import { attrInt } from '../onnx/attributes.js';
import { sizeOf } from '../ir/graph.js';
import { inputShape } from './shapes.js';
import { viewOp } from './view.js';

/** Flatten: [d0 .. d(axis-1)] and [d(axis) ..] each collapsed into one dimension. */
export const Flatten = viewOp('Flatten', (ctx) => {
  const shape = inputShape(ctx, 0);
  let axis = attrInt(ctx.node, 'axis', 1);
  if (axis < 0) axis += shape.length;
  return [sizeOf(shape.slice(0, axis)), sizeOf(shape.slice(axis))];
});
