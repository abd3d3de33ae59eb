/** ReduceSum: the sum in order, every add rounded. */
import { REDUCERS, reduceOp } from './reduce.js';

export const ReduceSum = reduceOp('ReduceSum', REDUCERS.sum, 13);
