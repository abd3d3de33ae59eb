/** ReduceL2: sqrt of the sum of fround(x * x) in order, correctly rounded. */
import { REDUCERS, reduceOp } from './reduce.js';

export const ReduceL2 = reduceOp('ReduceL2', REDUCERS.l2, 18);
