/** GlobalMaxPool: the maximum over the time axis per channel (first wins on ties). */
import type { OpDef } from './op.js';
import { REDUCE_MAX_F32, globalPoolReduction, lowerReduction, maxKernel } from './reduce.js';

export const GlobalMaxPool: OpDef = {
  op: 'GlobalMaxPool',
  infer: (ctx) => [{ dtype: 'float32', shape: globalPoolReduction(ctx).outShape }],
  prepare(ctx) {
    const max = maxKernel(globalPoolReduction(ctx));
    return ([x], [y]) => max(x, y);
  },
  lower: (ctx, _outputs, c) => lowerReduction(ctx, c, REDUCE_MAX_F32, [2]),
  stream: { reduce: 'ECGC_STREAM_MAX' },
};
