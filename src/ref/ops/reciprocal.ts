import { unaryOp } from './unary.js';

/** Reciprocal: fround(1 / x) (torch exports `c / x` this way). */
export const Reciprocal = unaryOp(() => (x) => Math.fround(1 / x));
