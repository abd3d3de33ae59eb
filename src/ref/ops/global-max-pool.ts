/** GlobalMaxPool: the maximum over the time axis per channel (first wins on ties). */
import type { OpDef } from '../op.js';
import { globalPoolReduction, maxKernel } from './reduce.js';

export const GlobalMaxPool: OpDef = {
  infer: (ctx) => [{ dtype: 'float32', shape: globalPoolReduction(ctx).outShape }],
  prepare(ctx) {
    const max = maxKernel(globalPoolReduction(ctx));
    return ([x], [y]) => max(x, y);
  },
};
