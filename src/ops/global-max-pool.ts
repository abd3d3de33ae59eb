/** GlobalMaxPool: the maximum over the spatial axes per channel (first wins on ties). */
import { reductionGradient } from './gradient.js';
import type { OpDef } from './op.js';
import { REDUCERS, foldReduction, globalPoolReduction, lowerReduction, spatialAxes } from './reduce.js';
import { inputShape } from './shapes.js';

export const GlobalMaxPool: OpDef = {
  op: 'GlobalMaxPool',
  infer: (ctx) => [{ dtype: 'float32', shape: globalPoolReduction(ctx).outShape }],
  prepare(ctx) {
    const max = foldReduction(globalPoolReduction(ctx), REDUCERS.max);
    return ([x], [y]) => max(x, y);
  },
  lower: (ctx, _outputs, c) => lowerReduction(ctx, c, REDUCERS.max.kernel, spatialAxes(inputShape(ctx, 0))),
  gradient: (ctx) => reductionGradient(globalPoolReduction(ctx), REDUCERS.max.derivative),
  globalPool: () => 'max',
  stream: { reduce: () => 'ECGC_STREAM_MAX' },
};
