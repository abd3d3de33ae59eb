/** Not: logical negation of a bool tensor. */
import { fail } from '../errors.js';
import { sizeOf } from '../ir/graph.js';
import { broadcastKernel } from './binary.js';
import type { OpContext, OpDef } from './op.js';
import { inputShape, where } from './shapes.js';

const NOT_BOOL = broadcastKernel('ecgc_not_bool');

function boolShape(ctx: OpContext): number[] {
  if (ctx.inputs[0]?.dtype !== 'bool') fail(`${where(ctx.node)}: the input must be bool, it is ${ctx.inputs[0]?.dtype}`);
  return inputShape(ctx, 0);
}

export const Not: OpDef = {
  op: 'Not',
  cTypes: ['bool'],
  infer: (ctx) => [{ dtype: 'bool', shape: boolShape(ctx) }],
  prepare: () => ([x], [y]) => {
    for (let i = 0; i < y.length; i++) y[i] = x[i] === 0 ? 1 : 0;
  },
  lower(ctx, [out], c) {
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([NOT_BOOL], (at) => `${NOT_BOOL.name}(${at(x)}, ${at(y)}, ${sizeOf(out.shape)});`, { inPlace: true });
  },
};
