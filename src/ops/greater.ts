import { predicateOp } from './binary.js';

/** Greater: true where a > b, as bool (floats at run time, int64 constants when folded). */
export const Greater = predicateOp('Greater', 'ecgc_greater', ['float32', 'int64'], (a, b) => a > b, ['float32']);
