/** ConstantOfShape: a tensor of the given constant shape filled with `value` (default float 0). */
import type { OpContext, OpDef } from './op.js';
import type { Tensor } from '../ir/graph.js';
import { constantInput } from './shapes.js';

function fill(ctx: OpContext): Tensor {
  const value = ctx.node.attrs.value as Tensor | undefined;
  return value ?? { dtype: 'float32', shape: [1], data: Float32Array.of(0) };
}

export const ConstantOfShape: OpDef = {
  op: 'ConstantOfShape',
  infer: (ctx) => [{ dtype: fill(ctx).dtype, shape: Array.from(constantInput(ctx, 0, 'shape').data) }],
  prepare: (ctx) => (_inputs, [y]) => y.fill(fill(ctx).data[0]),
};
