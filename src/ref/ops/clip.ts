/** Clip: x < min ? min : x > max ? max : x, with min and max constant inputs (ReLU6 exports as Clip). */
import { unaryOp } from './unary.js';
import { constantInput } from './shapes.js';

export const Clip = unaryOp((ctx) => {
  const bound = (i: number, fallback: number): number => (ctx.inputs[i] ? Math.fround(constantInput(ctx, i, i === 1 ? 'min' : 'max').data[0]) : fallback);
  const min = bound(1, -Infinity);
  const max = bound(2, Infinity);
  return (x) => (x < min ? min : x > max ? max : x);
});
