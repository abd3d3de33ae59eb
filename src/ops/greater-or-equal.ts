import { predicateOp } from './binary.js';

/** GreaterOrEqual: true where a >= b, as bool (floats at run time, int64 constants when folded). */
export const GreaterOrEqual = predicateOp('GreaterOrEqual', 'ecgc_greater_or_equal', ['float', 'integer'], (a, b) => a >= b, ['float32']);
