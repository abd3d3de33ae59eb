/** GlobalAveragePool: the mean over the time axis, as ReduceMean computes it. */
import type { OpDef } from './op.js';
import { REDUCE_MEAN_F32, globalPoolReduction, lowerReduction, meanKernel } from './reduce.js';

export const GlobalAveragePool: OpDef = {
  op: 'GlobalAveragePool',
  infer: (ctx) => [{ dtype: 'float32', shape: globalPoolReduction(ctx).outShape }],
  prepare(ctx) {
    const mean = meanKernel(globalPoolReduction(ctx));
    return ([x], [y]) => mean(x, y);
  },
  lower: (ctx, _outputs, c) => lowerReduction(ctx, c, REDUCE_MEAN_F32, [2]),
  stream: { reduce: 'ECGC_STREAM_MEAN' },
};
