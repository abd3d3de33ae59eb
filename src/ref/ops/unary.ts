/** Element-wise ops of one float32 input; `fn` must return a float32 value (rounded). */
import type { Kernel, OpContext, OpDef } from '../op.js';
import { inputShape } from './shapes.js';

export function unaryOp(prepareFn: (ctx: OpContext) => (x: number) => number): OpDef {
  return {
    infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype ?? 'float32', shape: inputShape(ctx, 0) }],
    prepare(ctx) {
      // A fresh loop per op (new Function): its call of fn sees one function, which V8 inlines;
      // one loop shared by every op would call through (ReLU took 15% of a CNN's time).
      return new Function('fn', 'return function unary([x], [y]) { for (let i = 0; i < y.length; i++) y[i] = fn(x[i]); };')(prepareFn(ctx)) as Kernel;
    },
  };
}
