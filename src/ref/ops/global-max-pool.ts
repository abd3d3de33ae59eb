/** GlobalMaxPool: the maximum over the time axis per channel (first wins on ties). */
import type { OpContext, OpDef } from '../op.js';
import { maxKernel, reduction } from './reduce.js';
import { requireRank } from './shapes.js';

function geometry(ctx: OpContext) {
  const shape = requireRank(ctx, 0, [3], 'the input of a 1-D global pool');
  return reduction(shape, [2], true);
}

export const GlobalMaxPool: OpDef = {
  infer: (ctx) => [{ dtype: 'float32', shape: geometry(ctx).outShape }],
  prepare(ctx) {
    const max = maxKernel(geometry(ctx));
    return ([x], [y]) => max(x, y);
  },
};
