/** ReduceLogSumExp: log of the sum of exp(x) in order (the shared approximations; no maximum subtracted first, so a sum beyond float32 gives inf). */
import { REDUCERS, reduceOp } from './reduce.js';

export const ReduceLogSumExp = reduceOp('ReduceLogSumExp', REDUCERS.logSumExp, 18);
