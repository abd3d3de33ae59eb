/** ReduceMin: the minimum; a later element wins only when smaller (+inf for none). */
import { REDUCERS, reduceOp } from './reduce.js';

export const ReduceMin = reduceOp('ReduceMin', REDUCERS.min, 18);
