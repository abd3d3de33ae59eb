/**
 * Element-wise ops of one float32 input; `fn` must return a float32 value (rounded). In C,
 * one function per op (runtime-c/ecgc_unary.c), so a firmware links only those it uses;
 * (a, b) carry its parameters: LeakyRelu's alpha, Clip's bounds, Pow's exponent. On int8
 * activations each is a 256-entry table (src/ops/table-s8.ts).
 */
import { sizeOf } from '../ir/graph.js';
import { cFloat } from '../util/c.js';
import { type CKernel, cKernel, designated } from './lowering.js';
import type { OpContext, OpDef } from './op.js';
import { inputShape } from './shapes.js';
import { tableToS8 } from './table-s8.js';

type Parameters = (ctx: OpContext) => [number, number];
const none: Parameters = () => [0, 0];

/** The C side of an element-wise op: a step in place, and the same call on each column of a depth-first chain (of the nodes `accepts` takes). */
export function unaryLowering(kernel: CKernel, parameters: Parameters = none, accepts?: (ctx: OpContext) => boolean): Pick<OpDef, 'lower' | 'stream'> {
  return {
    lower(ctx, [out], c) {
      const [a, b] = parameters(ctx);
      const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
      c.step([kernel], (at) => `${kernel.name}(${at(x)}, ${at(y)}, ${sizeOf(out.shape)}, ${cFloat(a)}, ${cFloat(b)});`, { inPlace: true });
    },
    stream: {
      post: {
        kernels: [kernel],
        init(ctx) {
          const [a, b] = parameters(ctx);
          return designated({ op: kernel.name, a: cFloat(a), b: cFloat(b) });
        },
        accepts,
      },
    },
  };
}

export function unaryOp(op: string, cName: string, elementwise: (ctx: OpContext) => (x: number) => number, parameters?: Parameters): OpDef {
  return {
    op,
    infer: (ctx) => [{ dtype: ctx.inputs[0]?.dtype ?? 'float32', shape: inputShape(ctx, 0) }],
    elementwise,
    prepare(ctx) {
      const fn = elementwise(ctx);
      return ([x], [y]) => {
        for (let i = 0; i < y.length; i++) y[i] = fn(x[i]);
      };
    },
    ...unaryLowering(cKernel(cName, 'ecgc_unary.c'), parameters),
    integer: { lower: (ic) => tableToS8(ic, elementwise) },
  };
}
