import { predicateOp } from './binary.js';

/** LessOrEqual: true where a <= b, as bool (floats at run time, int64 constants when folded). */
export const LessOrEqual = predicateOp('LessOrEqual', 'ecgc_less_or_equal', ['float', 'integer'], (a, b) => a <= b, ['float32']);
