/** Squeeze: axes from the attribute (opset < 13) or a constant input; all 1s when absent. */
import { fail } from '../errors.js';
import { attrInts } from '../onnx/attributes.js';
import type { OpContext } from './op.js';
import { constantInput, inputShape, normalizeAxis, where } from './shapes.js';
import { viewOp } from './view.js';

export function axesOf(ctx: OpContext): number[] | undefined {
  if (ctx.opset < 13) return attrInts(ctx.node, 'axes');
  return ctx.inputs[1] ? Array.from(constantInput(ctx, 1, 'axes').data) : undefined;
}

export const Squeeze = viewOp('Squeeze', (ctx) => {
  const shape = inputShape(ctx, 0);
  const axes = axesOf(ctx)?.map((a) => normalizeAxis(ctx.node, a, shape.length));
  if (axes?.some((a) => shape[a] !== 1)) fail(`${where(ctx.node)}: cannot squeeze axes ${JSON.stringify(axes)} of [${shape.join(', ')}]`);
  return shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
});
