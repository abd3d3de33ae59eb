/**
 * Clip: x < min ? min : x > max ? max : x (ReLU6 exports as Clip); min and max are constant
 * inputs from opset 11, attributes before.
 */
import { attrFloat } from '../onnx/attributes.js';
import type { OpContext, OpDef } from './op.js';
import { constantInput } from './shapes.js';
import { unaryGradient } from './gradient.js';
import { unaryOp } from './unary.js';

const FLOAT_MAX = 3.4028234663852886e38;

function bounds(ctx: OpContext, infinite: number): [number, number] {
  if (ctx.opset < 11) return [Math.fround(attrFloat(ctx.node, 'min', -infinite)), Math.fround(attrFloat(ctx.node, 'max', infinite))];
  const bound = (i: number, fallback: number): number => (ctx.inputs[i] ? Math.fround(constantInput(ctx, i, i === 1 ? 'min' : 'max').data[0]) : fallback);
  return [bound(1, -infinite), bound(2, infinite)];
}

export const Clip: OpDef = {
  ...unaryOp(
  'Clip',
  'ecgc_clip_f32',
  (ctx) => {
    const [min, max] = bounds(ctx, Infinity);
    return (x) => (x < min ? min : x > max ? max : x);
  },
  // C literals are finite (cFloat): an absent bound is FLT_MAX there, the same result for every finite x
  (ctx) => bounds(ctx, FLOAT_MAX),
  ),
  integerClamp: (ctx) => bounds(ctx, Infinity),
  gradient: unaryGradient((ctx) => {
    const [min, max] = bounds(ctx, Infinity);
    return (x) => (x < min || x > max ? 0 : 1);
  }),
};
