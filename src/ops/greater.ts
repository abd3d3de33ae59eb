import { predicateOp } from './binary.js';

/** Greater: true where a > b, as bool (floats at run time, int64 constants when folded). */
export const Greater = predicateOp('Greater', 'ecgc_greater', ['float', 'integer'], (a, b) => a > b, ['float32']);
