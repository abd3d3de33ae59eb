/** Elu: x < 0 ? fround(alpha * fround(exp(x) - 1)) : x, exp the shared approximation. */
import { attrFloat } from '../onnx/attributes.js';
import { expF32 } from './approx.js';
import { unaryOp } from './unary.js';

const f = Math.fround;

export const Elu = unaryOp(
  'Elu',
  'ecgc_elu_f32',
  (ctx) => {
    const alpha = f(attrFloat(ctx.node, 'alpha', 1));
    return (x) => (x < 0 ? f(alpha * f(expF32(x) - 1)) : x);
  },
  (ctx) => [attrFloat(ctx.node, 'alpha', 1), 0],
);
