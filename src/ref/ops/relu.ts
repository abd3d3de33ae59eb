import { unaryOp } from './unary.js';

/** Relu: x > 0 ? x : 0 (so -0 becomes +0). */
export const Relu = unaryOp(() => (x) => (x > 0 ? x : 0));
