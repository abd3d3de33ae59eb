import { ADD_FOLD, variadicOp } from './variadic.js';

/** Mean of 1..n inputs: their sum in input order, then / n. */
export const Mean = variadicOp('Mean', { fn: (acc, x) => acc + x, c: ADD_FOLD, mean: true });
