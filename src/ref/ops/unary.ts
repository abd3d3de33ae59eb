/** Element-wise ops of one float32 input; `fn` must return a float32 value (rounded). */
import type { OpContext, OpDef } from '../op.js';
import { inputShape } from './shapes.js';

export function unaryOp(prepareFn: (ctx: OpContext) => (x: number) => number): OpDef {
  return {
    infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype ?? 'float32', shape: inputShape(ctx, 0) }],
    prepare(ctx) {
      const fn = prepareFn(ctx);
      return ([x], [y]) => {
        for (let i = 0; i < y.length; i++) y[i] = fn(x[i]);
      };
    },
  };
}
