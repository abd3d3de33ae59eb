/**
 * Gelu (ONNX opset 20): x * Phi(x), exactly (approximate 'none', through the shared erf) or by
 * tanh ('tanh'). torch exports the exact form as five ops (Div, Erf, Add, Mul, Mul), which
 * src/model/passes/fuse-gelu.ts turns into this one: it computes in their order, so the fused
 * graph gives the same bits, and as one op of one input it runs in place and depth first.
 */
import { fail } from '../errors.js';
import { attrString } from '../onnx/attributes.js';
import { erfF32, tanhF32 } from './approx.js';
import { unaryGradient } from './gradient.js';
import type { OpContext } from './op.js';
import { unaryOp } from './unary.js';

const f = Math.fround;
/** The float32 constants torch's export divides by (sqrt 2) and the tanh form multiplies by. */
export const SQRT2_F32 = f(Math.SQRT2);
const SQRT_2_OVER_PI = f(Math.sqrt(2 / Math.PI));
const CUBIC = f(0.044715);

function tanhForm(ctx: OpContext): boolean {
  const approximate = attrString(ctx.node, 'approximate', 'none');
  if (approximate !== 'none' && approximate !== 'tanh') fail(`node '${ctx.node.name}' (Gelu): approximate '${approximate}' is not 'none' or 'tanh'`);
  return approximate === 'tanh';
}

/** ((x * (erf(x / sqrt2) + 1)) * 0.5), each step rounded to float32: torch's order. */
export const geluExact = (x: number) => f(f(x * f(erfF32(f(x / SQRT2_F32)) + 1)) * 0.5);
const geluTanh = (x: number) => f(f(0.5 * x) * f(1 + tanhF32(f(SQRT_2_OVER_PI * f(x + f(CUBIC * f(f(x * x) * x)))))));

export const Gelu = {
  ...unaryOp('Gelu', 'ecgc_gelu_f32', (ctx) => (tanhForm(ctx) ? geluTanh : geluExact), (ctx) => [tanhForm(ctx) ? 1 : 0, 0]),
  gradient: unaryGradient((ctx) => {
    if (!tanhForm(ctx)) return (x) => 0.5 * (1 + erfF32(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
    return (x) => {
      const t = Math.tanh(SQRT_2_OVER_PI * (x + CUBIC * x * x * x));
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * CUBIC * x * x);
    };
  }),
};
