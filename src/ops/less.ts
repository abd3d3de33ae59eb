import { predicateOp } from './binary.js';

/** Less: true where a < b, as bool (floats at run time, int64 constants when folded). */
export const Less = predicateOp('Less', 'ecgc_less', ['float', 'integer'], (a, b) => a < b, ['float32']);
