/** Ops whose output is the input's data under another shape: they share the buffer. */
import type { OpContext, OpDef } from './op.js';
import type { ValueInfo } from '../ir/graph.js';

export function viewOp(op: string, outShape: (ctx: OpContext) => number[]): OpDef {
  return {
    op,
    view: true,
    infer: (ctx): ValueInfo[] => [{ dtype: ctx.inputs[0]!.dtype, shape: outShape(ctx) }],
    prepare: () => (inputs, outputs) => outputs[0].set(inputs[0]),
  };
}
