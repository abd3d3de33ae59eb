/** ReduceProd: the product in order, every multiplication rounded. */
import { REDUCERS, reduceOp } from './reduce.js';

export const ReduceProd = reduceOp('ReduceProd', REDUCERS.prod, 18);
