/** GlobalLpPool: the p-norm over the spatial axes per channel, as ReduceL1 (p = 1) and ReduceL2 (p = 2) compute it. */
import type { OpDef } from './op.js';
import { lpNorm } from './lp-pool.js';
import { REDUCERS, foldReduction, globalPoolReduction, lowerReduction, spatialAxes } from './reduce.js';
import { inputShape } from './shapes.js';

const reducer = (p: 1 | 2) => (p === 1 ? REDUCERS.l1 : REDUCERS.l2);

export const GlobalLpPool: OpDef = {
  op: 'GlobalLpPool',
  infer: (ctx) => [{ dtype: 'float32', shape: globalPoolReduction(ctx).outShape }],
  prepare(ctx) {
    const norm = foldReduction(globalPoolReduction(ctx), reducer(lpNorm(ctx.node)));
    return ([x], [y]) => norm(x, y);
  },
  lower: (ctx, _outputs, c) => lowerReduction(ctx, c, reducer(lpNorm(ctx.node)).kernel, spatialAxes(inputShape(ctx, 0))),
};
