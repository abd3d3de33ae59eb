/**
 * Pow, x^y with broadcasting, as src/ops/approx.ts powF32: integer exponents |n| <= 8 by
 * repeated multiplication left to right (x^3 = fround(fround(x * x) * x)), negative ones as
 * fround(1 / x^|n|), 0.5 as sqrt, any other exponent through ecgc's exp and log.
 * A constant scalar exponent that multiplication or sqrt computes keeps its own C kernel
 * (ecgc_pow_f32, choosing the path once); any other goes through ecgc_pow_broadcast_f32.
 */
import { binaryGradient } from './gradient.js';
import { sizeOf } from '../ir/graph.js';
import { cFloat } from '../util/c.js';
import { powF32 } from './approx.js';
import { broadcastKernel, lowerBinary, prepareBinary } from './binary.js';
import { cKernel } from './lowering.js';
import type { OpContext, OpDef } from './op.js';
import { broadcastShapes, inputShape } from './shapes.js';
import { unaryLowering } from './unary.js';

const POW_BROADCAST_F32 = broadcastKernel('ecgc_pow_broadcast_f32');

/** The exponent when it is a constant scalar that leaves x's shape and is an integer |n| <= 8 or 0.5; else undefined. */
function scalarExponent(ctx: OpContext): number | undefined {
  const exponent = ctx.constants[1];
  if (!exponent || exponent.data.length !== 1 || exponent.shape.length > inputShape(ctx, 0).length) return undefined;
  const e = exponent.data[0];
  return e === 0.5 || (Number.isInteger(e) && Math.abs(e) <= 8) ? e : undefined;
}

const scalarLowering = unaryLowering(
  cKernel('ecgc_pow_f32', 'ecgc_unary.c'),
  (ctx) => [scalarExponent(ctx)!, 0],
  // a depth-first chain applies the scalar kernel to its columns, nothing else
  (ctx) => scalarExponent(ctx) !== undefined,
);

export const Pow: OpDef = {
  op: 'Pow',
  gradient: binaryGradient([(a, b) => b * Math.pow(a, b - 1), (a, _b, y) => (a > 0 ? y * Math.log(a) : 0)]),
  infer(ctx) {
    return [{ dtype: ctx.inputs[0]!.dtype, shape: broadcastShapes(ctx.node, inputShape(ctx, 0), inputShape(ctx, 1)) }];
  },
  prepare(ctx, [out]) {
    const e = scalarExponent(ctx);
    if (e === 2) {
      return ([x], [y]) => {
        for (let i = 0; i < y.length; i++) y[i] = x[i] * x[i];
      };
    }
    if (e !== undefined) {
      return ([x], [y]) => {
        for (let i = 0; i < y.length; i++) y[i] = powF32(x[i], e);
      };
    }
    return prepareBinary(ctx, out.shape, powF32);
  },
  lower(ctx, outputs, c) {
    if (scalarExponent(ctx) !== undefined) return scalarLowering.lower!(ctx, outputs, c);
    // an integer exponent (int32, int64) is a constant here (run-time integers have no C): its values as floats
    const exponent = ctx.constants[1];
    let floatExponent: string | undefined;
    if (exponent && exponent.dtype !== 'float32') {
      floatExponent = c.id('op', '_exponent');
      c.declare(`static const float ${floatExponent}[${Math.max(1, sizeOf(exponent.shape))}] = {${Array.from(exponent.data, cFloat).join(', ')}};`);
    }
    lowerBinary(ctx, outputs[0].shape, c, POW_BROADCAST_F32, '', floatExponent);
  },
  stream: scalarLowering.stream,
};
