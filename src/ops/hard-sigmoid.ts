/** HardSigmoid: v = fround(fround(alpha * x) + beta), then v < 0 ? 0 : v > 1 ? 1 : v. */
import { attrFloat } from '../onnx/attributes.js';
import { unaryOp } from './unary.js';
import type { OpContext } from './op.js';

const f = Math.fround;
const parameters = (ctx: OpContext): [number, number] => [attrFloat(ctx.node, 'alpha', 0.2), attrFloat(ctx.node, 'beta', 0.5)];

/** HardSwish's alpha. */
export const SIXTH = Math.fround(1 / 6);

export function hardSigmoid(x: number, alpha: number, beta: number): number {
  const v = f(f(alpha * x) + beta);
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

export const HardSigmoid = unaryOp(
  'HardSigmoid',
  'ecgc_hard_sigmoid_f32',
  (ctx) => {
    const [alpha, beta] = parameters(ctx).map(f);
    return (x) => hardSigmoid(x, alpha, beta);
  },
  parameters,
);
