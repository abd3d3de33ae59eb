/** ReduceL1: the sum of |x| in order. */
import { REDUCERS, reduceOp } from './reduce.js';

export const ReduceL1 = reduceOp('ReduceL1', REDUCERS.l1, 18);
