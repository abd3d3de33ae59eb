import { unaryOp } from './unary.js';

/** Neg: -x (exact). */
export const Neg = unaryOp(() => (x) => -x);
