/** GlobalAveragePool: the mean over the time axis, as ReduceMean computes it. */
import type { OpDef } from '../op.js';
import { globalPoolReduction, meanKernel } from './reduce.js';

export const GlobalAveragePool: OpDef = {
  infer: (ctx) => [{ dtype: 'float32', shape: globalPoolReduction(ctx).outShape }],
  prepare(ctx) {
    const mean = meanKernel(globalPoolReduction(ctx));
    return ([x], [y]) => mean(x, y);
  },
};
