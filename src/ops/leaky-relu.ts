import { attrFloat } from '../onnx/attributes.js';
import { unaryGradient } from './gradient.js';
import type { OpContext } from './op.js';
import { unaryOp } from './unary.js';

const alphaOf = (ctx: OpContext) => Math.fround(attrFloat(ctx.node, 'alpha', 0.01));

/** LeakyRelu: x < 0 ? fround(alpha * x) : x, alpha rounded to float32. */
export const LeakyRelu = {
  ...unaryOp(
    'LeakyRelu',
    'ecgc_leaky_relu_f32',
    (ctx) => {
      const alpha = alphaOf(ctx);
      return (x) => (x < 0 ? Math.fround(alpha * x) : x);
    },
    (ctx) => [attrFloat(ctx.node, 'alpha', 0.01), 0],
  ),
  gradient: unaryGradient((ctx) => {
    const alpha = alphaOf(ctx);
    return (x) => (x < 0 ? alpha : 1);
  }),
};
