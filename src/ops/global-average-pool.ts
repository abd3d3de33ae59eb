/** GlobalAveragePool: the mean over the spatial axes, as ReduceMean computes it. */
import { globalAveragePoolToS8 } from './global-average-pool-s8.js';
import { reductionGradient } from './gradient.js';
import type { OpDef } from './op.js';
import { REDUCERS, foldReduction, globalPoolReduction, lowerReduction, spatialAxes } from './reduce.js';
import { inputShape } from './shapes.js';

export const GlobalAveragePool: OpDef = {
  op: 'GlobalAveragePool',
  infer: (ctx) => [{ dtype: 'float32', shape: globalPoolReduction(ctx).outShape }],
  prepare(ctx) {
    const mean = foldReduction(globalPoolReduction(ctx), REDUCERS.mean);
    return ([x], [y]) => mean(x, y);
  },
  lower: (ctx, _outputs, c) => lowerReduction(ctx, c, REDUCERS.mean.kernel, spatialAxes(inputShape(ctx, 0))),
  gradient: (ctx) => reductionGradient(globalPoolReduction(ctx), REDUCERS.mean.derivative),
  globalPool: () => 'average',
  affine: () => true,
  stream: { reduce: () => 'ECGC_STREAM_MEAN' },
  integer: { lower: globalAveragePoolToS8 },
};
