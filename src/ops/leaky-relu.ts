import { attrFloat } from '../onnx/attributes.js';
import { unaryOp } from './unary.js';

/** LeakyRelu: x < 0 ? fround(alpha * x) : x, alpha rounded to float32. */
export const LeakyRelu = unaryOp(
  'LeakyRelu',
  'ecgc_leaky_relu_f32',
  (ctx) => {
    const alpha = Math.fround(attrFloat(ctx.node, 'alpha', 0.01));
    return (x) => (x < 0 ? Math.fround(alpha * x) : x);
  },
  (ctx) => [attrFloat(ctx.node, 'alpha', 0.01), 0],
);
