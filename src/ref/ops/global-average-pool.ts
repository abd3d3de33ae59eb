/** GlobalAveragePool: the mean over every axis after the channel, as ReduceMean computes it. */
import type { OpContext, OpDef } from '../op.js';
import { meanKernel, reduction } from './reduce.js';
import { requireRank } from './shapes.js';

function geometry(ctx: OpContext) {
  const shape = requireRank(ctx, 0, [3], 'the input of a 1-D global pool');
  return reduction(shape, [2], true);
}

export const GlobalAveragePool: OpDef = {
  infer: (ctx) => [{ dtype: 'float32', shape: geometry(ctx).outShape }],
  prepare(ctx) {
    const mean = meanKernel(geometry(ctx));
    return ([x], [y]) => mean(x, y);
  },
};
