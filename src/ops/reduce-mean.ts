/** ReduceMean: fround(sum / n), the sum accumulated in order with every add rounded. */
import { REDUCERS, reduceOp } from './reduce.js';

export const ReduceMean = reduceOp('ReduceMean', REDUCERS.mean, 18, 'average');
