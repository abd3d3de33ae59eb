/** Equal: true where a == b, as bool; folds the shape checks torch exports (int64 constants), and compares floats or bools at run time. */
import { predicateOp } from './binary.js';

export const Equal = predicateOp('Equal', 'ecgc_equal', ['float32', 'int64', 'bool'], (a, b) => a === b, ['float32', 'bool']);
