/** ReduceSumSquare: the sum of fround(x * x) in order. */
import { REDUCERS, reduceOp } from './reduce.js';

export const ReduceSumSquare = reduceOp('ReduceSumSquare', REDUCERS.sumSquare, 18);
