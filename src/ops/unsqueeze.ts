import { fail } from '../errors.js';
import { inputShape, normalizeAxis, where } from './shapes.js';
import { axesOf } from './squeeze.js';
import { viewOp } from './view.js';

/** Unsqueeze: inserts 1s at the given axes of the output. */
export const Unsqueeze = viewOp('Unsqueeze', (ctx) => {
  const shape = inputShape(ctx, 0);
  const given = axesOf(ctx) ?? fail(`${where(ctx.node)}: axes are required`);
  const rank = shape.length + given.length;
  const axes = given.map((a) => normalizeAxis(ctx.node, a, rank));
  const out: number[] = [];
  for (let i = 0, j = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : shape[j++]);
  return out;
});
