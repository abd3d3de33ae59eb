/** ReduceMax: the maximum; a later element wins only when greater (-inf for none). */
import { REDUCERS, reduceOp } from './reduce.js';

export const ReduceMax = reduceOp('ReduceMax', REDUCERS.max, 18, 'max');
