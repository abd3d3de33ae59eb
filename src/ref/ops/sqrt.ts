import { unaryOp } from './unary.js';

/** Sqrt: correctly rounded, so fround(Math.sqrt(x)) equals C's sqrtf. */
export const Sqrt = unaryOp(() => (x) => Math.fround(Math.sqrt(x)));
