/** Equal: true where a == b, as bool; folds the shape checks torch exports (int64 constants), and compares floats or bools at run time. */
import { predicateOp } from './binary.js';

export const Equal = predicateOp('Equal', 'ecgc_equal', ['float', 'integer', 'bool'], (a, b) => a === b, ['float32', 'bool']);
