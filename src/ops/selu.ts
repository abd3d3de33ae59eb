/** Selu: x > 0 ? fround(gamma * x) : fround(gamma * fround(fround(alpha * exp(x)) - alpha)), exp the shared approximation. */
import { attrFloat } from '../onnx/attributes.js';
import { expF32 } from './approx.js';
import { unaryOp } from './unary.js';
import type { OpContext } from './op.js';

const f = Math.fround;
const parameters = (ctx: OpContext): [number, number] => [attrFloat(ctx.node, 'alpha', 1.6732632423543772), attrFloat(ctx.node, 'gamma', 1.0507009873554805)];

export const Selu = unaryOp(
  'Selu',
  'ecgc_selu_f32',
  (ctx) => {
    const [alpha, gamma] = parameters(ctx).map(f);
    return (x) => (x > 0 ? f(gamma * x) : f(gamma * f(f(alpha * expF32(x)) - alpha)));
  },
  parameters,
);
