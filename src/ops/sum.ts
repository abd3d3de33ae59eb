import { ADD_FOLD, variadicOp } from './variadic.js';

/** Sum of 1..n inputs, added in input order. */
export const Sum = variadicOp('Sum', { fn: (acc, x) => acc + x, c: ADD_FOLD });
