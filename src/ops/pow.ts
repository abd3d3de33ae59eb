/**
 * Pow with a constant scalar exponent: integer exponents |n| <= 8 by repeated
 * multiplication left to right (x^3 = fround(fround(x * x) * x)), negative ones as
 * fround(1 / x^|n|), and 0.5 as sqrt. Other exponents would need a pow() from libm.
 */
import { fail } from '../errors.js';
import type { OpDef } from './op.js';
import { constantInput, inputShape, where } from './shapes.js';
import { cKernel } from './lowering.js';
import { unaryLowering } from './unary.js';

const f = Math.fround;

function exponentOf(ctx: Parameters<OpDef['infer']>[0]): number {
  const exponent = constantInput(ctx, 1, 'the exponent');
  if (exponent.data.length !== 1) fail(`${where(ctx.node)}: the exponent must be a scalar`);
  const e = exponent.data[0];
  if (!(e === 0.5 || (Number.isInteger(e) && Math.abs(e) <= 8))) {
    fail(`${where(ctx.node)}: exponent ${e} is not supported (integers from -8 to 8, and 0.5)`);
  }
  return e;
}

export function powF32(x: number, e: number): number {
  if (e === 0.5) return f(Math.sqrt(x));
  if (e === 0) return 1;
  let r = x;
  for (let i = 1; i < Math.abs(e); i++) r = f(r * x);
  return e < 0 ? f(1 / r) : r;
}

export const Pow: OpDef = {
  op: 'Pow',
  infer(ctx) {
    exponentOf(ctx);
    return [{ dtype: ctx.inputs[0]!.dtype, shape: inputShape(ctx, 0) }];
  },
  prepare(ctx) {
    const e = exponentOf(ctx);
    if (e === 2) {
      return ([x], [y]) => {
        for (let i = 0; i < y.length; i++) y[i] = x[i] * x[i];
      };
    }
    return ([x], [y]) => {
      for (let i = 0; i < y.length; i++) y[i] = powF32(x[i], e);
    };
  },
  ...unaryLowering(cKernel('ecgc_pow_f32', 'ecgc_unary.c'), (ctx) => [exponentOf(ctx), 0]),
};
